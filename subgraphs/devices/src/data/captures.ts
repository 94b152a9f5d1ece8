import { isUuid, paginate, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { Db, DeviceDataModel, Prisma } from '@iris/db';
import { owned, visibleDevice, type Visibility } from './visibility.js';

const capturesSort: Sort<DeviceDataModel> = { name: 'deviceData.id', keys: [{ field: 'id', direction: 'desc', type: 'string' }] };

/** Captures (DeviceData) and what their analysis came to. */
export function createCapturesData(prisma: Db) {
  return {
    capturesByIds: (ids: readonly string[], v: Visibility): Promise<DeviceDataModel[]> =>
      prisma.deviceData.findMany({ where: { id: { in: [...ids] }, device: visibleDevice(v) } }),

    ownedCapture: (id: string, scope: TenantScope) => (isUuid(id) ? prisma.deviceData.findFirst({ where: { id, ...owned(scope) } }) : Promise.resolve(null)),

    capturesOfDevice: (deviceId: string, args: ConnectionArgs) => {
      const where = { deviceId, deletedAt: null };
      return paginate(args, {
        sort: capturesSort,
        fetch: (page) => prisma.deviceData.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.deviceData.count({ where }),
      });
    },

    createCapture: (data: Prisma.DeviceDataUncheckedCreateInput) => prisma.deviceData.create({ data }),
    updateCapture: (id: string, data: Prisma.DeviceDataUncheckedUpdateInput) => prisma.deviceData.update({ where: { id }, data }),
    captureById: (id: string) => prisma.deviceData.findUnique({ where: { id } }),
  };
}

export type CapturesData = ReturnType<typeof createCapturesData>;
