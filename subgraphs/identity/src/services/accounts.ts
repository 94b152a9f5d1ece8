import {
  badUserInput,
  conflict,
  displayName,
  ErrorCode,
  IrisError,
  notFound,
  parseInput,
  requireInScope,
  type TenantScope,
} from '@iris/core';
import type { AccountModel, Outbox, SqlClient, UserModel } from '@iris/db';
import { z } from 'zod';
import type { IdentityData } from '../data/index.js';
import { hashPassword, requireStrongPassword, verifyPassword } from './passwords.js';
import type { RevocationsService } from './revocations.js';
import type { SessionsService } from './sessions.js';
import type { VerificationService } from './verification.js';

const email = z.email('must be an email address').max(254);
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number such as +44 20 7946 0000');

const registerInput = z.object({ email, password: z.string(), accountName: displayName(z), phone: phone.nullish() });
const updateAccountInput = z.object({
  accountId: z.uuid('must be an account id'),
  name: displayName(z).nullish(),
  email: email.nullish(),
  phone: phone.nullish(),
  paymentMethod: z.enum(['CARD', 'INVOICE', 'BANK_TRANSFER']).nullish(),
  billingAddress: z.string().trim().max(500, 'must be at most 500 characters').nullish(),
});
const addAccountToAppInput = z.object({ appId: z.string().min(1), accountName: displayName(z), email, phone: phone.nullish() });
const removeAccountFromAppInput = z.object({ appId: z.string().min(1).max(64), accountId: z.uuid('must be an account id') });
const addMemberInput = z.object({ email, displayName: displayName(z).nullish() });

/** Registration, verification, account management and member users. */
export function createAccountsService(
  data: IdentityData,
  verification: VerificationService,
  sessions: SessionsService,
  revocations: RevocationsService,
  outbox: Outbox,
) {
  const { accounts } = data;
  /** Devices keeps who belongs to which account (to check shares) from these, stored with the user. */
  const userAdded = (tx: SqlClient, user: UserModel) =>
    outbox.enqueue(tx, 'account.userAdded', { accountId: user.accountId, userId: user.id, email: user.email });

  async function createAccount(
    input: { email: string; accountName: string; phone?: string | null; password?: string },
    options: { appId?: string },
  ): Promise<{ account: AccountModel; user: UserModel }> {
    if (await accounts.emailTaken(input.email)) {
      throw conflict('A user with this email exists already: sign in, or reset the password.', { field: 'input.email' });
    }
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    const created = await accounts.transaction(async (tx) => {
      const account = await accounts.createAccountWithMainUser(tx, { ...input, passwordHash, active: false });
      if (options.appId) {
        await accounts.linkAccountToApp(tx, account.id, options.appId);
        await outbox.enqueue(tx, 'app.accountLinked', { appId: options.appId, accountId: account.id });
      }
      await userAdded(tx, account.users[0]!);
      return account;
    });
    const { users, ...account } = created;
    return { account, user: users[0]! };
  }

  return {
    async register(raw: unknown) {
      const input = parseInput(registerInput, raw);
      requireStrongPassword(input.password, 'input.password', [input.email, input.accountName]);
      const created = await createAccount(input, {});
      await verification.send(input.email, 'REGISTRATION');
      return created;
    },

    async verifyRegistration(input: { email: string; code: string }): Promise<AccountModel> {
      const user = await accounts.userByEmail(input.email);
      const checked = await verification.check(input.email, 'REGISTRATION', input.code);
      const account = await accounts.transaction(async (tx) => {
        await verification.consume(tx, checked);
        await accounts.setActiveByEmail(tx, input.email);
        return user ? accounts.accountIn(tx, user.accountId) : null;
      });
      if (!account) throw badUserInput('No account is waiting for this code.', 'input.email');
      return account;
    },

    async setStatus(accountId: string, active: boolean) {
      const account = await accounts.transaction(async (tx) => {
        const changed = await accounts.setAccountActive(accountId, active, tx);
        // A deactivated account's users and apps stop at once, not when their tokens expire.
        if (changed && !active) await revocations.revoke(tx, 'account', accountId);
        return changed;
      });
      if (!account) throw notFound('Account', accountId);
      // Tokens say when they were issued in whole seconds, and a deactivation refuses those of its own
      // second: reactivation answers once that second has passed, so tokens issued after it hold.
      if (active) await revocations.nextSecond();
      return account;
    },

    async update(raw: unknown, scope: TenantScope) {
      const { accountId, ...changes } = parseInput(updateAccountInput, raw);
      requireInScope(scope, accountId);
      const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined && v !== null));
      if (changes.email) defined.email = changes.email.toLowerCase();
      return accounts.updateAccount(accountId, defined);
    },

    async addToApp(raw: unknown) {
      const input = parseInput(addAccountToAppInput, raw);
      const app = await data.apps.appById(input.appId);
      if (!app) throw badUserInput(`No app with id "${input.appId}".`, 'input.appId');
      const created = await createAccount(input, { appId: app.id });
      // The new main user chooses a password with the code, which also proves the email.
      await verification.send(input.email, 'PASSWORD_RESET');
      return created;
    },

    /**
     * Your account's place in an app (the document's `GET /accounts/app/:app_id`): the caller's account
     * when it owns the app or was added to it; for a service admin, the owner. Null otherwise.
     */
    async accountIdOfApp(appId: string, scope: TenantScope): Promise<string | null> {
      const app = await data.apps.appById(appId);
      if (!app) return null;
      if (scope.all) return app.accountId;
      for (const accountId of scope.accountIds) {
        if (app.accountId === accountId || (await data.appLinks.isLinked(app.id, accountId))) return accountId;
      }
      return null;
    },

    /** Undoes `addToApp`: the link goes, the account and its users stay. */
    async removeFromApp(raw: unknown) {
      const input = parseInput(removeAccountFromAppInput, raw);
      const app = await data.apps.appById(input.appId);
      if (!app) throw notFound('App', input.appId);
      // The link and its event, in one transaction: profiles stops showing the app to the account.
      const unlinked = await accounts.transaction(async (tx) => {
        if (!(await data.appLinks.unlink(app.id, input.accountId, tx))) return false;
        await outbox.enqueue(tx, 'app.accountUnlinked', { appId: app.id, accountId: input.accountId });
        return true;
      });
      if (!unlinked) {
        throw new IrisError(ErrorCode.NOT_FOUND, `input.accountId: account "${input.accountId}" was not added to app "${app.id}".`, {
          field: 'input.accountId',
        });
      }
      return { appId: app.id, removedAccountId: input.accountId };
    },

    async addMember(accountId: string, raw: unknown) {
      const input = parseInput(addMemberInput, raw);
      if (await accounts.emailTaken(input.email)) throw conflict('A user with this email exists already.', { field: 'input.email' });
      const user = await accounts.transaction(async (tx) => {
        const added = await accounts.addMember(accountId, input.email, input.displayName ?? null, tx);
        await userAdded(tx, added);
        return added;
      });
      await verification.send(input.email, 'PASSWORD_RESET');
      return user;
    },

    /** Ends the user's other sessions (their access tokens too); `sessionId`, the one changing it, stays signed in. */
    async changePassword(userId: string, input: { currentPassword: string; newPassword: string }, sessionId?: string) {
      const user = await accounts.userById(userId);
      if (!user || !user.passwordHash || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
        throw badUserInput('input.currentPassword: is not your current password.', 'input.currentPassword');
      }
      requireStrongPassword(input.newPassword, 'input.newPassword', [user.email, user.displayName ?? '']);
      const passwordHash = await hashPassword(input.newPassword);
      return accounts.transaction(async (tx) => {
        await sessions.endOtherSessions(tx, user.id, sessionId);
        return { user: await accounts.setPasswordHash(tx, user.id, passwordHash) };
      });
    },

    /** Answers the same whether or not the email is known; only a user who can use the code gets one. */
    async sendCode(email: string, purpose: 'REGISTRATION' | 'PASSWORD_RESET') {
      const user = await accounts.userByEmail(email);
      const deliver = purpose === 'PASSWORD_RESET' ? user !== null : user !== null && user.role === 'MAIN' && !user.account.active;
      await verification.send(email, purpose, { deliver });
      return { accepted: true, expiresInSeconds: verification.expiresInSeconds };
    },

    async resetPassword(input: { email: string; code: string; newPassword: string }) {
      requireStrongPassword(input.newPassword, 'input.newPassword', [input.email]);
      const passwordHash = await hashPassword(input.newPassword);
      const user = await accounts.userByEmail(input.email);
      const checked = await verification.check(input.email, 'PASSWORD_RESET', input.code);
      if (!user) throw badUserInput('This code is wrong or has expired.', 'input.code');
      return accounts.transaction(async (tx) => {
        await verification.consume(tx, checked);
        // Whoever reset it is not signed in: every session of the user ends.
        await sessions.endOtherSessions(tx, user.id);
        return { user: await accounts.setPasswordHash(tx, user.id, passwordHash) };
      });
    },

    async removeMember(accountId: string, userId: string) {
      const removed = await accounts.transaction(async (tx) => {
        if (!(await accounts.removeMember(accountId, userId, tx))) return false;
        await revocations.revoke(tx, 'user', userId);
        await outbox.enqueue(tx, 'account.userRemoved', { accountId, userId });
        return true;
      });
      if (!removed) throw notFound('member User', userId);
      return { removedUserId: userId };
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
