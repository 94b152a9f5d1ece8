import { paginate, requireInScope, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { Db, DeviceGroupModel, DeviceModel } from '@iris/db';

const byId = <Row extends { id: string }>(name: string): Sort<Row> => ({
  name,
  keys: [{ field: 'id', direction: 'asc', type: 'string' }],
});
const devicesSort = byId<DeviceModel>('device.id');
const groupsSort = byId<DeviceGroupModel>('deviceGroup.id');

/** Devices and device groups. Deleted devices (soft delete) are invisible to every read here. */
export function createDevicesData(prisma: Db) {
  const live = { deletedAt: null };
  return {
    devicesByIds: (ids: readonly string[], scope: TenantScope): Promise<DeviceModel[]> =>
      prisma.device.findMany({ where: { id: { in: [...ids] }, ...live, ...scopeWhere(scope) } }),

    groupsByIds: (ids: readonly string[], scope: TenantScope): Promise<DeviceGroupModel[]> =>
      prisma.deviceGroup.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope) } }),

    devicesOfAccount: (accountId: string, args: ConnectionArgs, scope: TenantScope) => {
      requireInScope(scope, accountId);
      const where = { accountId, ...live };
      return paginate(args, {
        sort: devicesSort,
        fetch: (page) => prisma.device.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.device.count({ where }),
      });
    },

    devicesOfGroup: (groupId: string, args: ConnectionArgs) => {
      const where = { groupId, ...live };
      return paginate(args, {
        sort: devicesSort,
        fetch: (page) => prisma.device.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.device.count({ where }),
      });
    },

    groupsOfAccount: (accountId: string, args: ConnectionArgs, scope: TenantScope) => {
      requireInScope(scope, accountId);
      return paginate(args, {
        sort: groupsSort,
        fetch: (page) => prisma.deviceGroup.findMany({ ...page, where: { accountId, ...page.where } }),
        count: () => prisma.deviceGroup.count({ where: { accountId } }),
      });
    },

    createGroup: (accountId: string, name: string): Promise<DeviceGroupModel> =>
      prisma.deviceGroup.create({ data: { accountId, name } }),

    /** Returns null when `groupId` is not a group of the account (nothing is written then). */
    addDevice: (accountId: string, input: { name: string; model?: string | null; groupId?: string | null }) =>
      prisma.$transaction(async (tx): Promise<DeviceModel | null> => {
        if (input.groupId) {
          const group = await tx.deviceGroup.findFirst({ where: { id: input.groupId, accountId } });
          if (!group) return null;
        }
        return tx.device.create({
          data: { accountId, name: input.name, model: input.model ?? null, groupId: input.groupId ?? null },
        });
      }),
  };
}

export type DevicesData = ReturnType<typeof createDevicesData>;
