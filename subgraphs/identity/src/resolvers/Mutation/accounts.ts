import { principalOf } from '@iris/core';
import type { MutationResolvers } from '../../generated/resolvers-types.js';

/** Registration, verification, account management and members. */
export const accountMutations: MutationResolvers = {
  register: (_parent, { input }, { services }) => services.accounts.register(input),
  sendVerificationCode: (_parent, { input }, { services }) => services.accounts.sendCode(input.email, input.purpose),
  verifyRegistration: (_parent, { input }, { services }) => services.accounts.verifyRegistration(input),
  setAccountStatus: (_parent, { input }, { services }) => services.accounts.setStatus(input.accountId, input.active),
  updateAccount: (_parent, { input }, { services, scope }) => services.accounts.update(input, scope),
  addAccountToApp: (_parent, { input }, { services }) => services.accounts.addToApp(input),
  addMember: (_parent, { input }, { services, auth }) => services.accounts.addMember(principalOf(auth).accountId, input),
  removeMember: (_parent, { input }, { services, auth }) => services.accounts.removeMember(principalOf(auth).accountId, input.userId),
  changePassword: (_parent, { input }, { services, auth }) => {
    const principal = principalOf(auth);
    return principal.kind === 'user' ? services.accounts.changePassword(principal.userId, input, principal.sessionId) : services.accounts.changePassword('', input);
  },
  requestPasswordReset: (_parent, { input }, { services }) => services.accounts.sendCode(input.email, 'PASSWORD_RESET'),
  resetPassword: (_parent, { input }, { services }) => services.accounts.resetPassword(input),
};
