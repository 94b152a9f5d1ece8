import { forbidden, principalOf } from '@iris/core';
import { actAs, readAs, type Context } from '../../context.js';
import type { MutationResolvers } from '../../generated/resolvers-types.js';
import type { AuthPayload } from '../../mappers.js';

/** Reads the rest of the response as the user who signed in. */
const signedIn = (context: Context) => async (pending: Promise<AuthPayload>) => {
  const payload = await pending;
  const { user, grant } = payload;
  if (grant) {
    readAs(context, {
      kind: 'app',
      via: 'oauth',
      appId: grant.appId,
      accountId: user.accountId,
      userId: user.id,
      role: user.role,
      scopes: grant.scopes,
    });
  } else {
    actAs(context, user);
  }
  return payload;
};

const userIdOf = (auth: Parameters<typeof principalOf>[0]) => {
  const principal = principalOf(auth);
  // `@requiresRole` already keeps API keys out of these fields.
  return principal.kind === 'user' ? principal.userId : '';
};

/** Sign-in, sessions and OAuth. */
export const sessionMutations: MutationResolvers = {
  login: (_parent, { input }, context) => signedIn(context)(context.services.sessions.login(input)),
  refreshToken: (_parent, { input }, context) => signedIn(context)(context.services.sessions.refresh(input.refreshToken)),
  logout: async (_parent, { input }, { services }) => ({ revoked: await services.sessions.logout(input.refreshToken) }),
  logoutClient: (_parent, { input }, { services, auth }) => {
    // A browser sends only `idTokenHint`; without it the caller must be the user (checked in the service).
    const principal = auth.principal ?? (input.idTokenHint == null ? principalOf(auth) : null);
    // The app itself may sign its user out with the user's OAuth token, but only of itself.
    if (principal?.kind === 'app' && !(principal.via === 'oauth' && principal.userId && principal.appId === input.clientId)) {
      throw forbidden('An app can sign a user out only of itself, with an OAuth token of that user.');
    }
    // A user, or (checked above) an OAuth token, which always names its user.
    return services.sessions.logoutClient(principal?.userId, input);
  },
  createLoginToken: (_parent, _args, { services, auth }) => services.sessions.createLoginToken(userIdOf(auth)),
  loginWithToken: (_parent, { input }, context) => signedIn(context)(context.services.sessions.loginWithToken(input.token)),
  loginWithIdToken: (_parent, { input }, context) => signedIn(context)(context.services.sessions.loginWithIdToken(input.idToken)),
  authorizeApp: (_parent, { input }, { services, auth }) => services.sessions.authorizeApp(userIdOf(auth), input),
  exchangeAuthorizationCode: (_parent, { input }, context) => signedIn(context)(context.services.sessions.exchangeAuthorizationCode(input)),
};
