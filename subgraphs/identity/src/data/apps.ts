import { requireInScope, paginate, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { AppModel, Db } from '@iris/db';

const appsSort: Sort<AppModel> = {
  name: 'app.createdAt',
  keys: [
    { field: 'createdAt', direction: 'asc', type: 'date' },
    { field: 'id', direction: 'asc', type: 'string' },
  ],
};

/** Developer apps. */
export function createAppsData(prisma: Db) {
  return {
    appsByIds: (ids: readonly string[], scope: TenantScope): Promise<AppModel[]> =>
      prisma.app.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope) } }),

    appsOfAccount: (accountId: string, args: ConnectionArgs, scope: TenantScope) => {
      requireInScope(scope, accountId);
      return paginate(args, {
        sort: appsSort,
        fetch: (page) => prisma.app.findMany({ ...page, where: { accountId, ...page.where } }),
        count: () => prisma.app.count({ where: { accountId } }),
      });
    },
  };
}
