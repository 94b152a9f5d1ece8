import { appScopeWhere, isUuid, paginate, requireInScope, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { ApiKeyModel, AppModel, Prisma, ScopedClient, ScopedTransaction } from '@iris/db';

const appsSort: Sort<AppModel> = {
  name: 'app.createdAt',
  keys: [
    { field: 'createdAt', direction: 'asc', type: 'date' },
    { field: 'id', direction: 'asc', type: 'string' },
  ],
};
const apiKeysSort: Sort<ApiKeyModel> = { name: 'apiKey.id', keys: [{ field: 'id', direction: 'desc', type: 'uuid' }] };

export type AppChanges = Partial<
  Pick<
    AppModel,
    | 'name'
    | 'description'
    | 'platform'
    | 'kind'
    | 'redirectUris'
    | 'active'
    | 'keyHash'
    | 'previousKeyHash'
    | 'previousKeyExpiresAt'
    | 'appKeyScopes'
  >
>;

/** Developer apps and their API keys. */
export function createAppsData(prisma: ScopedClient<'identity'>) {
  return {
    appsByIds: (ids: readonly string[], scope: TenantScope): Promise<AppModel[]> =>
      prisma.app.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope), ...appScopeWhere(scope, 'id') } }),

    appById: (id: string) => prisma.app.findUnique({ where: { id } }),

    /** The app whose id equals `id` but for case: app ids keep their case and are unique ignoring it. */
    appByIdIgnoringCase: (id: string) => prisma.app.findFirst({ where: { id: { equals: id, mode: 'insensitive' } } }),

    /** Whether the account is active (an inactive account's app keys are refused). */
    accountIsActive: async (accountId: string) =>
      (await prisma.account.findUnique({ where: { id: accountId }, select: { active: true } }))?.active === true,

    /** The apps the account owns and those it was added to (`addAccountToApp`). */
    appsOfAccount: (accountId: string, args: ConnectionArgs, scope: TenantScope) => {
      requireInScope(scope, accountId);
      const ownedOrLinked: Prisma.AppWhereInput = { OR: [{ accountId }, { accountLinks: { some: { accountId } } }] };
      return paginate(args, {
        sort: appsSort,
        fetch: (page) => prisma.app.findMany({ ...page, where: page.where ? { AND: [ownedOrLinked, page.where] } : ownedOrLinked }),
        count: () => prisma.app.count({ where: ownedOrLinked }),
      });
    },

    createApp: (row: Prisma.AppUncheckedCreateInput, tx: ScopedTransaction<'identity'> = prisma) => tx.app.create({ data: row }),

    updateApp: (id: string, changes: AppChanges, tx: ScopedTransaction<'identity'> = prisma) =>
      tx.app.update({ where: { id }, data: changes }),

    apiKeysByIds: (ids: readonly string[], scope: TenantScope) =>
      prisma.apiKey.findMany({ where: { id: { in: ids.filter(isUuid) }, ...scopeWhere(scope) } }),

    apiKeysOfApp: (appId: string, args: ConnectionArgs) =>
      paginate(args, {
        sort: apiKeysSort,
        fetch: (page) => prisma.apiKey.findMany({ ...page, where: { appId, ...page.where } }),
        count: () => prisma.apiKey.count({ where: { appId } }),
      }),

    createApiKey: (row: { appId: string; accountId: string; name: string; prefix: string; secretHash: string; scopes: string[] }) =>
      prisma.apiKey.create({ data: row }),

    revokeApiKey: (id: string, now: Date, tx: ScopedTransaction<'identity'> = prisma) =>
      tx.apiKey.update({ where: { id }, data: { revokedAt: now } }),

    /** The key, its app and its account (whether the account is active decides whether the key works). */
    apiKeyBySecretHash: (secretHash: string) =>
      prisma.apiKey.findUnique({ where: { secretHash }, include: { app: true, account: { select: { active: true } } } }),

    /** Records use at most once a minute per key, so signing in does not write on every request. */
    touchApiKey: (id: string, now: Date) =>
      prisma.apiKey.updateMany({
        where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - 60_000) } }] },
        data: { lastUsedAt: now },
      }),
  };
}
