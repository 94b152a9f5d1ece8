import { principalOf } from '@iris/core';
import { actAs, type Context } from '../../context.js';
import type { MutationResolvers } from '../../generated/resolvers-types.js';

/**
 * The caller of these public mutations is not signed in yet, but has just proved to be this user (a new
 * account's owner, an emailed code): the rest of the answer (the account and user it returns) is read
 * as that user, as after `login`, instead of being refused to an anonymous caller.
 */
function readAsNewUser<Payload extends { user: Parameters<typeof actAs>[1] }>(context: Context, payload: Payload): Payload {
  actAs(context, payload.user);
  return payload;
}

/** Registration, verification, account management and members. */
export const accountMutations: MutationResolvers = {
  register: async (_parent, { input }, context) => readAsNewUser(context, await context.services.accounts.register(input)),
  sendVerificationCode: (_parent, { input }, { services }) => services.accounts.sendCode(input.email, input.purpose),
  verifyRegistration: async (_parent, { input }, context) => {
    const account = await context.services.accounts.verifyRegistration(input);
    const user = await context.data.accounts.userByEmail(input.email);
    if (user) actAs(context, user);
    return account;
  },
  setAccountStatus: (_parent, { input }, { services }) => services.accounts.setStatus(input.accountId, input.active),
  updateAccount: (_parent, { input }, { services, scope }) => services.accounts.update(input, scope),
  addAccountToApp: (_parent, { input }, { services }) => services.accounts.addToApp(input),
  removeAccountFromApp: (_parent, { input }, { services }) => services.accounts.removeFromApp(input),
  addMember: (_parent, { input }, { services, auth }) => services.accounts.addMember(principalOf(auth).accountId, input),
  removeMember: (_parent, { input }, { services, auth }) => services.accounts.removeMember(principalOf(auth).accountId, input.userId),
  changePassword: (_parent, { input }, { services, auth }) => {
    const principal = principalOf(auth);
    return principal.kind === 'user'
      ? services.accounts.changePassword(principal.userId, input, principal.sessionId)
      : services.accounts.changePassword('', input);
  },
  requestPasswordReset: (_parent, { input }, { services }) => services.accounts.sendCode(input.email, 'PASSWORD_RESET'),
  resetPassword: async (_parent, { input }, context) => readAsNewUser(context, await context.services.accounts.resetPassword(input)),
};
