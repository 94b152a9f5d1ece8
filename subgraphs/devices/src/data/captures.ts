import { isUuid, paginate, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import { modelColumns, Prisma, uuidArray, type DeviceDataModel, type ScopedClient, type ScopedTransaction } from '@iris/db';
import { owned, visibleDeviceSql, type Visibility } from './visibility.js';

const capturesSort: Sort<DeviceDataModel> = { name: 'deviceData.id', keys: [{ field: 'id', direction: 'desc', type: 'uuid' }] };

/** Captures (DeviceData) and what their analysis came to. */
export function createCapturesData(prisma: ScopedClient<'devices'>) {
  return {
    /** Captures by id whose device the caller sees. In SQL: every mark of a page asks for its capture through here. */
    capturesByIds: (ids: readonly string[], v: Visibility): Promise<DeviceDataModel[]> =>
      ids.length === 0
        ? Promise.resolve([])
        : prisma.$queryRaw<DeviceDataModel[]>`
            SELECT ${modelColumns(Prisma.DeviceDataScalarFieldEnum, 'capture')} FROM devices."DeviceData" capture
            JOIN devices."Device" device ON device.id = capture."deviceId"
            WHERE capture.id = ANY(${uuidArray(ids)}) AND ${visibleDeviceSql(v, 'device')}`,

    ownedCapture: (id: string, scope: TenantScope) =>
      isUuid(id) ? prisma.deviceData.findFirst({ where: { id, ...owned(scope) } }) : Promise.resolve(null),

    capturesOfDevice: (deviceId: string, args: ConnectionArgs) => {
      const where = { deviceId, deletedAt: null };
      return paginate(args, {
        sort: capturesSort,
        fetch: (page) => prisma.deviceData.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.deviceData.count({ where }),
      });
    },

    createCapture: (data: Prisma.DeviceDataUncheckedCreateInput, tx: ScopedTransaction<'devices'> = prisma) =>
      tx.deviceData.create({ data }),
    updateCapture: (id: string, data: Prisma.DeviceDataUncheckedUpdateInput) => prisma.deviceData.update({ where: { id }, data }),
    captureById: (id: string) => prisma.deviceData.findUnique({ where: { id } }),
  };
}

export type CapturesData = ReturnType<typeof createCapturesData>;
