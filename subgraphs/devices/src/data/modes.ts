import { inScope, isUuid, paginate, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { DeviceModeModel, Prisma, ScopedClient } from '@iris/db';

const modesSort: Sort<DeviceModeModel> = { name: 'deviceMode.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };

/** The modes an account may use: the global ones and its own. */
const usableBy = (accountIds: readonly string[]): Prisma.DeviceModeWhereInput => ({
  OR: [{ accountId: null }, { accountId: { in: [...accountIds] } }],
});

/** Whether a mode is global or one of the scope's accounts' own (a service admin sees all). */
export const modeVisible = (mode: { accountId: string | null }, scope: TenantScope) =>
  mode.accountId === null || inScope(scope, mode.accountId);

/** Device modes: global ones (accountId null) readable by every signed-in caller, and accounts' own. */
export function createModesData(prisma: ScopedClient<'devices'>) {
  const pageModes = (where: Prisma.DeviceModeWhereInput, args: ConnectionArgs) =>
    paginate(args, {
      sort: modesSort,
      fetch: (page) => prisma.deviceMode.findMany({ ...page, where: page.where ? { AND: [where, page.where] } : where }),
      count: () => prisma.deviceMode.count({ where }),
    });
  return {
    /** Unscoped: marks and devices name their mode, whoever may see them. */
    modesByIds: (ids: readonly string[]) => prisma.deviceMode.findMany({ where: { id: { in: [...ids] } } }),
    offeredMode: (id: string) => (isUuid(id) ? prisma.deviceMode.findFirst({ where: { id, deletedAt: null } }) : Promise.resolve(null)),
    /** A mode on offer that a device of `accountId` may use: global, or the account's own. */
    usableMode: (id: string, accountId: string) =>
      isUuid(id) ? prisma.deviceMode.findFirst({ where: { id, deletedAt: null, ...usableBy([accountId]) } }) : Promise.resolve(null),
    /** Modes on offer the scope may use (a service admin: every one). */
    modes: (args: ConnectionArgs, scope: TenantScope) =>
      pageModes(scope.all ? { deletedAt: null } : { deletedAt: null, ...usableBy(scope.accountIds) }, args),
    /** What the document's `GET /device-modes/account/:account_id` lists: global modes and the account's own. */
    modesOfAccount: (accountId: string, args: ConnectionArgs) => pageModes({ deletedAt: null, ...usableBy([accountId]) }, args),
    createMode: (data: Prisma.DeviceModeCreateInput) => prisma.deviceMode.create({ data }),
    updateMode: (id: string, data: Prisma.DeviceModeUpdateInput) => prisma.deviceMode.update({ where: { id }, data }),
  };
}

export type ModesData = ReturnType<typeof createModesData>;
