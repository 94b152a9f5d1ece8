import {
  inScope,
  paginate,
  requireInScope,
  scopeWhere,
  visibleUserIds,
  type ConnectionArgs,
  type Sort,
  type TenantScope,
} from '@iris/core';
import type { AccountModel, ScopedClient, ScopedTransaction, UserModel } from '@iris/db';

/** Emails are stored trimmed and lower-cased, so look-ups and uniqueness ignore case. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

const usersSort: Sort<UserModel> = { name: 'user.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };

export type AccountChanges = Partial<Pick<AccountModel, 'name' | 'email' | 'phone' | 'paymentMethod' | 'billingAddress'>>;

/** Accounts, their users and the apps they were added to. */
export function createAccountsData(prisma: ScopedClient<'identity'>) {
  return {
    transaction: <T>(work: (tx: ScopedTransaction<'identity'>) => Promise<T>) => prisma.$transaction(work),

    accountsByIds: (ids: readonly string[], scope: TenantScope): Promise<AccountModel[]> =>
      prisma.account.findMany({ where: { id: { in: ids.filter((id) => inScope(scope, id)) } } }),

    usersByIds: (ids: readonly string[], scope: TenantScope): Promise<UserModel[]> =>
      prisma.user.findMany({ where: { id: { in: [...visibleUserIds(scope, ids)] }, ...scopeWhere(scope) } }),

    userByEmail: (email: string): Promise<(UserModel & { account: AccountModel }) | null> =>
      prisma.user.findUnique({ where: { email: normaliseEmail(email) }, include: { account: true } }),

    /** Pass the transaction when inside one: a second connection would wait for it (and PGlite has one). */
    userById: (id: string, db: ScopedTransaction<'identity'> = prisma): Promise<(UserModel & { account: AccountModel }) | null> =>
      db.user.findUnique({ where: { id }, include: { account: true } }),

    emailTaken: async (email: string) => (await prisma.user.count({ where: { email: normaliseEmail(email) } })) > 0,

    /** Ids are UUIDv7, so id order is creation order: the main user comes first. */
    usersOfAccount: (accountId: string, args: ConnectionArgs, scope: TenantScope) => {
      requireInScope(scope, accountId);
      return paginate(args, {
        sort: usersSort,
        fetch: (page) => prisma.user.findMany({ ...page, where: { accountId, ...page.where } }),
        count: () => prisma.user.count({ where: { accountId } }),
      });
    },

    /** An account with its main user, in the caller's transaction. */
    createAccountWithMainUser: (
      tx: ScopedTransaction<'identity'>,
      input: { accountName: string; email: string; phone?: string | null; passwordHash: string | null; active: boolean },
    ) =>
      tx.account.create({
        data: {
          name: input.accountName,
          email: normaliseEmail(input.email),
          phone: input.phone ?? null,
          active: input.active,
          users: { create: { email: normaliseEmail(input.email), passwordHash: input.passwordHash, role: 'MAIN' } },
        },
        include: { users: true },
      }),

    linkAccountToApp: (tx: ScopedTransaction<'identity'>, accountId: string, appId: string) =>
      tx.appAccountLink.create({ data: { accountId, appId } }),

    setActiveByEmail: (tx: ScopedTransaction<'identity'>, email: string) =>
      tx.account.updateMany({ where: { users: { some: { email: normaliseEmail(email), role: 'MAIN' } } }, data: { active: true } }),

    accountIn: (tx: ScopedTransaction<'identity'>, id: string) => tx.account.findUnique({ where: { id } }),

    /** Null when there is no such account. */
    setAccountActive: async (accountId: string, active: boolean, tx: ScopedTransaction<'identity'> = prisma) => {
      const updated = await tx.account.updateMany({ where: { id: accountId }, data: { active } });
      return updated.count === 1 ? tx.account.findUnique({ where: { id: accountId } }) : null;
    },

    updateAccount: (accountId: string, changes: AccountChanges) => prisma.account.update({ where: { id: accountId }, data: changes }),

    addMember: (accountId: string, email: string, displayName: string | null, tx: ScopedTransaction<'identity'> = prisma) =>
      tx.user.create({ data: { accountId, email: normaliseEmail(email), displayName, role: 'MEMBER', passwordHash: null } }),

    /** Deletes a member (never the main user) of the account; false when there was none. */
    removeMember: async (accountId: string, userId: string, tx: ScopedTransaction<'identity'> = prisma) =>
      (await tx.user.deleteMany({ where: { id: userId, accountId, role: 'MEMBER' } })).count === 1,

    setPasswordHash: (tx: ScopedTransaction<'identity'>, userId: string, passwordHash: string) =>
      tx.user.update({ where: { id: userId }, data: { passwordHash } }),
  };
}
