import { paginate, type ConnectionArgs, type Sort, type SortDirection, type TenantScope } from '@iris/core';
import { Prisma, uuidArray, type DeviceMarkModel, type ScopedClient, type ScopedTransaction } from '@iris/db';
import { markFilterWhere, type MarkFilter } from './markFilter.js';
import { owned, visibleMark, type Visibility } from './visibility.js';

export type MarkOrderField = 'CREATED_AT' | 'DEVICE';

/** Each ordering is a keyset over an index (see the DeviceMark indexes), ending in the unique id. */
export function markSort(field: MarkOrderField, direction: SortDirection): Sort<DeviceMarkModel> {
  if (field === 'DEVICE') {
    return {
      name: `mark.device.${direction}`,
      keys: [
        { field: 'deviceId', direction, type: 'uuid' },
        { field: 'createdAt', direction: 'desc', type: 'date' },
        { field: 'id', direction: 'desc', type: 'uuid' },
      ],
    };
  }
  return {
    name: `mark.createdAt.${direction}`,
    keys: [
      { field: 'createdAt', direction, type: 'date' },
      { field: 'id', direction, type: 'uuid' },
    ],
  };
}

/** Device marks: listing, the newest per device, read flags, the trash. */
export function createMarksData(prisma: ScopedClient<'devices'>) {
  return {
    marksByIds: (ids: readonly string[], v: Visibility, withDeleted = true): Promise<DeviceMarkModel[]> =>
      prisma.deviceMark.findMany({ where: { id: { in: [...ids] }, ...(withDeleted ? {} : { deletedAt: null }), ...visibleMark(v) } }),

    marks: (base: Prisma.DeviceMarkWhereInput, filter: MarkFilter, sort: Sort<DeviceMarkModel>, args: ConnectionArgs) => {
      const where: Prisma.DeviceMarkWhereInput = { AND: [base, markFilterWhere(filter)] };
      return paginate(args, {
        sort,
        fetch: (page) => prisma.deviceMark.findMany({ ...page, where: page.where ? { AND: [where, page.where] } : where }),
        count: () => prisma.deviceMark.count({ where }),
      });
    },

    /**
     * The marks a caller sees, as a filter that keeps the listing on its index: the tenant's own
     * marks, plus (only when the user has shares) those of the devices shared with it, by id.
     */
    visibleMarks: async (v: Visibility): Promise<Prisma.DeviceMarkWhereInput> => {
      if (v.scope.all) return {};
      const own = owned(v.scope);
      if (!v.userId) return own;
      const shared = await prisma.device.findMany({
        where: { OR: [{ shares: { some: { userId: v.userId } } }, { group: { shares: { some: { userId: v.userId } } } }], deletedAt: null },
        select: { id: true },
      });
      return shared.length === 0 ? own : { OR: [own, { deviceId: { in: shared.map((d) => d.id) } }] };
    },

    /** The newest `perDevice` live marks of each device, in one statement. */
    latestOfDevices: (deviceIds: readonly string[], perDevice: number): Promise<DeviceMarkModel[]> =>
      deviceIds.length === 0
        ? Promise.resolve([])
        : prisma.$queryRaw<DeviceMarkModel[]>`
            SELECT * FROM (
              SELECT m.*, row_number() OVER (PARTITION BY m."deviceId" ORDER BY m."createdAt" DESC, m.id DESC) AS rank
              FROM devices."DeviceMark" m
              WHERE m."deviceId" = ANY(${uuidArray(deviceIds)}) AND m."deletedAt" IS NULL
            ) ranked WHERE rank <= ${perDevice} ORDER BY "deviceId", "createdAt" DESC`,

    /** Updates the tenant's marks among `ids`; returns them (others are left alone and not returned). */
    updateOwned: async (
      ids: readonly string[],
      scope: TenantScope,
      data: Prisma.DeviceMarkUpdateManyMutationInput,
      where: Prisma.DeviceMarkWhereInput = {},
    ) => {
      const target = { id: { in: [...ids] }, ...owned(scope), ...where };
      await prisma.deviceMark.updateMany({ where: target, data });
      return prisma.deviceMark.findMany({ where: { id: { in: [...ids] }, ...owned(scope) }, orderBy: { id: 'asc' } });
    },

    /** Deletes the tenant's marks among `ids` that are in the trash. */
    purgeTrashed: async (ids: readonly string[], scope: TenantScope) => {
      const doomed = await prisma.deviceMark.findMany({
        where: { id: { in: [...ids] }, ...owned(scope), deletedAt: { not: null } },
        select: { id: true },
      });
      await prisma.deviceMark.deleteMany({ where: { id: { in: doomed.map((m) => m.id) } } });
      return doomed.map((m) => m.id);
    },

    /** Whether the mark `id` is one of `where` (a caller's `visibleMarks`): one lookup by primary key. */
    isAmong: async (id: string, where: Prisma.DeviceMarkWhereInput) =>
      (await prisma.deviceMark.findFirst({ where: { AND: [where, { id }] }, select: { id: true } })) !== null,

    /** Marks with an id above `afterId`, in id order. */
    after: (afterId: string, where: Prisma.DeviceMarkWhereInput, take: number) =>
      prisma.deviceMark.findMany({ where: { AND: [where, { id: { gt: afterId } }] }, orderBy: { id: 'asc' }, take }),

    createMark: (data: Prisma.DeviceMarkUncheckedCreateInput, tx: ScopedTransaction<'devices'> = prisma) => tx.deviceMark.create({ data }),

    deleteMark: async (id: string) => (await prisma.deviceMark.deleteMany({ where: { id } })).count === 1,
  };
}

export type MarksData = ReturnType<typeof createMarksData>;
