import { isUuid, paginate, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import {
  modelColumns,
  Prisma,
  uuidArray,
  type DeviceGroupModel,
  type DeviceModel,
  type ScopedClient,
  type ScopedTransaction,
  type ZoneModel,
} from '@iris/db';
import { createAccountUsersData } from './accountUsers.js';
import { owned, visibleDeviceSql, visibleGroup, type Visibility } from './visibility.js';

const byId = <Row extends { id: string }>(name: string): Sort<Row> => ({ name, keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] });
const devicesSort = byId<DeviceModel>('device.id');
const groupsSort = byId<DeviceGroupModel>('deviceGroup.id');
const live = { deletedAt: null };

/** Devices, groups, sharing and zones. Deleted devices are invisible to every list here. */
export function createDevicesData(prisma: ScopedClient<'devices'>) {
  const accountUsers = createAccountUsersData(prisma);
  const pageDevices = (where: Prisma.DeviceWhereInput, args: ConnectionArgs) =>
    paginate(args, {
      sort: devicesSort,
      fetch: (page) => prisma.device.findMany({ ...page, where: { AND: [where, page.where ?? {}] } }),
      count: () => prisma.device.count({ where }),
    });
  const pageGroups = (where: Prisma.DeviceGroupWhereInput, args: ConnectionArgs) =>
    paginate(args, {
      sort: groupsSort,
      fetch: (page) => prisma.deviceGroup.findMany({ ...page, where: { AND: [where, page.where ?? {}] } }),
      count: () => prisma.deviceGroup.count({ where }),
    });

  /** Shares of users that exist, each with the user's email (what `sharedWith` answers of them). */
  const withEmails = async <S extends { userId: string }>(shares: S[]) => {
    const emails = await accountUsers.emailsOf(shares.map((share) => share.userId));
    return shares.flatMap((share) => {
      const email = emails.get(share.userId);
      return email === undefined ? [] : [{ ...share, email }];
    });
  };
  return {
    transaction: <T>(work: (tx: ScopedTransaction<'devices'>) => Promise<T>) => prisma.$transaction(work),

    /**
     * Visible devices by id, deleted ones included only when `withDeleted` (restore, detail). In SQL:
     * every mark of a page asks for its device through here.
     */
    devicesByIds: (ids: readonly string[], v: Visibility, withDeleted = false): Promise<DeviceModel[]> =>
      ids.length === 0
        ? Promise.resolve([])
        : prisma.$queryRaw<DeviceModel[]>`
            SELECT ${modelColumns(Prisma.DeviceScalarFieldEnum, 'device')} FROM devices."Device" device
            WHERE device.id = ANY(${uuidArray(ids)}) ${withDeleted ? Prisma.empty : Prisma.sql`AND device."deletedAt" IS NULL`} AND ${visibleDeviceSql(v, 'device')}`,

    ownedDevice: (id: string, scope: TenantScope, withDeleted = false) =>
      // A malformed id names no device (and must not reach the uuid column).
      isUuid(id) ? prisma.device.findFirst({ where: { id, ...(withDeleted ? {} : live), ...owned(scope) } }) : Promise.resolve(null),

    groupsByIds: (ids: readonly string[], v: Visibility): Promise<DeviceGroupModel[]> =>
      prisma.deviceGroup.findMany({ where: { id: { in: [...ids] }, ...visibleGroup(v) } }),

    ownedGroup: (id: string, scope: TenantScope) =>
      isUuid(id) ? prisma.deviceGroup.findFirst({ where: { id, ...owned(scope) } }) : Promise.resolve(null),

    devicesOfAccount: (accountId: string, args: ConnectionArgs) => pageDevices({ accountId, ...live }, args),
    /** A group's devices: visible to whoever sees the group (a share of the group covers them). */
    devicesOfGroup: (groupId: string, args: ConnectionArgs) => pageDevices({ groupId, ...live }, args),
    devicesSharedWith: (userId: string, args: ConnectionArgs) => pageDevices({ shares: { some: { userId } }, ...live }, args),
    groupsOfAccount: (accountId: string, args: ConnectionArgs) => pageGroups({ accountId }, args),
    groupsSharedWith: (userId: string, args: ConnectionArgs) => pageGroups({ shares: { some: { userId } } }, args),

    zonesOfDevices: (deviceIds: readonly string[]): Promise<ZoneModel[]> =>
      prisma.zone.findMany({ where: { deviceId: { in: [...deviceIds] } }, orderBy: { name: 'asc' } }),
    /**
     * Shares whose user exists, each with the user's email: a share made before shares were checked,
     * naming a user who never existed, is left out (it would read as a user that cannot be resolved).
     */
    deviceSharesOf: async (deviceIds: readonly string[]) =>
      withEmails(await prisma.deviceShare.findMany({ where: { deviceId: { in: [...deviceIds] } } })),
    /** As `deviceSharesOf`. */
    groupSharesOf: async (groupIds: readonly string[]) =>
      withEmails(await prisma.deviceGroupShare.findMany({ where: { groupId: { in: [...groupIds] } } })),

    createGroup: (accountId: string, name: string) => prisma.deviceGroup.create({ data: { accountId, name } }),
    renameGroup: (id: string, name: string) => prisma.deviceGroup.update({ where: { id }, data: { name } }),
    deleteGroup: (id: string) => prisma.deviceGroup.delete({ where: { id } }),
    shareGroup: (groupId: string, userId: string) =>
      prisma.deviceGroupShare.upsert({ where: { groupId_userId: { groupId, userId } }, update: {}, create: { groupId, userId } }),
    unshareGroup: (groupId: string, userId: string) => prisma.deviceGroupShare.deleteMany({ where: { groupId, userId } }),
    shareDevice: (deviceId: string, userId: string) =>
      prisma.deviceShare.upsert({ where: { deviceId_userId: { deviceId, userId } }, update: {}, create: { deviceId, userId } }),
    unshareDevice: (deviceId: string, userId: string) => prisma.deviceShare.deleteMany({ where: { deviceId, userId } }),

    createDevice: (data: Prisma.DeviceUncheckedCreateInput, tx: ScopedTransaction<'devices'> = prisma) => tx.device.create({ data }),
    updateDevice: (id: string, data: Prisma.DeviceUncheckedUpdateInput, tx: ScopedTransaction<'devices'> = prisma) =>
      tx.device.update({ where: { id }, data }),

    /** Replaces the zones in one transaction: all of the new set, or (on error) the old one untouched. */
    replaceZones: (deviceId: string, zones: { name: string; polygon: { x: number; y: number }[] }[]) =>
      prisma.$transaction(async (tx) => {
        await tx.zone.deleteMany({ where: { deviceId } });
        await tx.zone.createMany({ data: zones.map((z) => ({ deviceId, name: z.name, polygon: z.polygon })) });
        return tx.device.update({ where: { id: deviceId }, data: { updatedAt: new Date() } });
      }),
  };
}

export type DevicesData = ReturnType<typeof createDevicesData>;
