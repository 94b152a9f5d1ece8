import { principalOf } from '@iris/core';
import type { MutationResolvers } from '../../generated/resolvers-types.js';

const userIdOf = (auth: Parameters<typeof principalOf>[0]) => {
  const principal = principalOf(auth);
  // `@requiresRole` already keeps API keys out of these fields.
  return principal.kind === 'user' ? principal.userId : '';
};

/** Sign-in, sessions and OAuth. */
export const sessionMutations: MutationResolvers = {
  login: (_parent, { input }, { services }) => services.sessions.login(input),
  refreshToken: (_parent, { input }, { services }) => services.sessions.refresh(input.refreshToken),
  logout: async (_parent, { input }, { services }) => ({ revoked: await services.sessions.logout(input.refreshToken) }),
  createLoginToken: (_parent, _args, { services, auth }) => services.sessions.createLoginToken(userIdOf(auth)),
  loginWithToken: (_parent, { input }, { services }) => services.sessions.loginWithToken(input.token),
  loginWithIdToken: (_parent, { input }, { services }) => services.sessions.loginWithIdToken(input.idToken),
  authorizeApp: (_parent, { input }, { services, auth }) => services.sessions.authorizeApp(userIdOf(auth), input),
  exchangeAuthorizationCode: (_parent, { input }, { services }) => services.sessions.exchangeAuthorizationCode(input),
};
