import { isUuid, paginate, type ConnectionArgs, type Sort } from '@iris/core';
import type { Db, DeviceModeModel, Prisma } from '@iris/db';

const modesSort: Sort<DeviceModeModel> = { name: 'deviceMode.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };

/** Device modes: offer data, readable by every signed-in caller. */
export function createModesData(prisma: Db) {
  return {
    modesByIds: (ids: readonly string[]) => prisma.deviceMode.findMany({ where: { id: { in: [...ids] } } }),
    offeredMode: (id: string) => (isUuid(id) ? prisma.deviceMode.findFirst({ where: { id, deletedAt: null } }) : Promise.resolve(null)),
    modes: (args: ConnectionArgs) =>
      paginate(args, {
        sort: modesSort,
        fetch: (page) => prisma.deviceMode.findMany({ ...page, where: { deletedAt: null, ...page.where } }),
        count: () => prisma.deviceMode.count({ where: { deletedAt: null } }),
      }),
    createMode: (data: Prisma.DeviceModeCreateInput) => prisma.deviceMode.create({ data }),
    updateMode: (id: string, data: Prisma.DeviceModeUpdateInput) => prisma.deviceMode.update({ where: { id }, data }),
  };
}

export type ModesData = ReturnType<typeof createModesData>;
