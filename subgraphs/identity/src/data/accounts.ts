import { requireInScope, inScope, paginate, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { AccountModel, Db, UserModel } from '@iris/db';

const usersSort: Sort<UserModel> = { name: 'user.id', keys: [{ field: 'id', direction: 'asc', type: 'string' }] };

/** Accounts and their users. */
export function createAccountsData(prisma: Db) {
  return {
    accountsByIds: (ids: readonly string[], scope: TenantScope): Promise<AccountModel[]> =>
      prisma.account.findMany({ where: { id: { in: ids.filter((id) => inScope(scope, id)) } } }),

    usersByIds: (ids: readonly string[], scope: TenantScope): Promise<UserModel[]> =>
      prisma.user.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope) } }),

    userByEmail: (email: string): Promise<(UserModel & { account: AccountModel }) | null> =>
      prisma.user.findUnique({ where: { email: email.trim().toLowerCase() }, include: { account: true } }),

    /** Ids are UUIDv7, so id order is creation order: the main user comes first. */
    usersOfAccount: (accountId: string, args: ConnectionArgs, scope: TenantScope) => {
      requireInScope(scope, accountId);
      return paginate(args, {
        sort: usersSort,
        fetch: (page) => prisma.user.findMany({ ...page, where: { accountId, ...page.where } }),
        count: () => prisma.user.count({ where: { accountId } }),
      });
    },
  };
}
