import { paginate, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { ActionModel, ScopedClient } from '@iris/db';

const actionsSort: Sort<ActionModel> = { name: 'action.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };

export type ActionKind = 'DEVICE_ADDED' | 'DEVICE_DELETED' | 'MANUAL_RECORDING' | 'PHOTO_TAKEN';

/** Activity logs. Rows carry the account they belong to, so reads are scoped without asking devices. */
export function createActionsData(prisma: ScopedClient<'analytics'>) {
  return {
    actionsByIds: (ids: readonly string[], scope: TenantScope): Promise<ActionModel[]> =>
      prisma.action.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope) } }),

    actionsOfDevice: (deviceId: string, args: ConnectionArgs, scope: TenantScope) => {
      const where = { deviceId, ...scopeWhere(scope) };
      return paginate(args, {
        sort: actionsSort,
        fetch: (page) => prisma.action.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.action.count({ where }),
      });
    },

    /** Whether the devices subgraph announced this device for this account (its DEVICE_ADDED entry). */
    deviceKnown: async (deviceId: string, accountId: string) =>
      (await prisma.action.count({ where: { deviceId, accountId, kind: 'DEVICE_ADDED' } })) > 0,

    record: (action: { accountId: string; deviceId: string; kind: ActionKind; note?: string; occurredAt?: Date }) =>
      prisma.action.create({ data: action }),
  };
}

export type ActionsData = ReturnType<typeof createActionsData>;
