import {
  badUserInput,
  displayName,
  ErrorCode,
  IrisError,
  notFound,
  parseInput,
  principalOf,
  type AuthState,
  type TenantScope,
} from '@iris/core';
import type { Outbox, Prisma } from '@iris/db';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../data/index.js';
import { polygonProblem } from './geometry.js';

const uuid = (what: string) => z.uuid(`must be ${what} id`);
const attributes = z
  .object({
    resolutions: z
      .array(z.object({ width: z.number().int().min(1).max(16_384), height: z.number().int().min(1).max(16_384) }))
      .max(32)
      .nullish(),
    frameRates: z.array(z.number().int().min(1, 'must be at least 1').max(1_000)).max(32).nullish(),
    sensorType: z.string().trim().max(50).nullish(),
  })
  .nullish();
const addDeviceInput = z.object({
  name: displayName(z),
  model: displayName(z).nullish(),
  groupId: uuid('a device group').nullish(),
  attributes,
});
const updateDeviceInput = z.object({
  id: uuid('a device'),
  name: displayName(z).nullish(),
  model: displayName(z).nullish(),
  attributes,
  status: z.enum(['ONLINE', 'OFFLINE', 'ERROR']).nullish(),
  statusReason: z.string().trim().max(500).nullish(),
});
const zonesInput = z.object({
  deviceId: uuid('a device'),
  zones: z
    .array(z.object({ name: displayName(z, 50), points: z.array(z.object({ x: z.number(), y: z.number() })) }))
    .max(20, 'at most 20 zones')
    .refine((zones) => new Set(zones.map((zone) => zone.name)).size === zones.length, 'zone names must differ'),
});

/** A share names its user by id or by email, exactly one of them. */
const shareeFields = { userId: uuid('a user').nullish(), email: z.email('must be an email address').max(254).nullish() };
const oneSharee = (input: { userId?: string | null; email?: string | null }, ctx: z.RefinementCtx) => {
  if (!input.userId === !input.email) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'give exactly one of userId and email' });
};

const cleanAttributes = (a: z.infer<typeof attributes>) =>
  a ? { resolutions: a.resolutions ?? [], frameRates: a.frameRates ?? [], sensorType: a.sensorType ?? null } : undefined;

/** Groups, devices, sharing and zones: who may change what, and the events changes publish (through the outbox, in the change's transaction). */
export function createDevicesService(data: DevicesSubgraphData, outbox: Outbox, clock: () => Date) {
  const { devices } = data;

  /**
   * The user a share names, by id or by email: a user that exists (devices learns of users from
   * identity's events). Unsharing by id takes any id, so a share made before shares were checked can
   * still be removed.
   */
  async function sharee(input: { userId?: string | null; email?: string | null }, share: boolean): Promise<string> {
    if (input.email) {
      const user = await data.accountUsers.userByEmail(input.email);
      if (!user)
        throw new IrisError(
          ErrorCode.NOT_FOUND,
          `input.email: no Iris user has the email "${input.email}". The person signs up (or is added as a member of an account) first.`,
          { field: 'input.email' },
        );
      return user.userId;
    }
    const userId = input.userId!;
    if (share && !(await data.accountUsers.userById(userId))) {
      throw new IrisError(
        ErrorCode.NOT_FOUND,
        `input.userId: no user has the id "${userId}". Share with an existing user, by id or by email.`,
        { field: 'input.userId' },
      );
    }
    return userId;
  }

  async function ownedDevice(id: string, scope: TenantScope, withDeleted = false) {
    return (await devices.ownedDevice(id, scope, withDeleted)) ?? Promise.reject(notFound('Device', id));
  }
  async function ownedGroup(id: string, scope: TenantScope) {
    return (await devices.ownedGroup(id, scope)) ?? Promise.reject(notFound('DeviceGroup', id));
  }
  const actor = (auth: AuthState) => {
    const p = principalOf(auth);
    return p.kind === 'user' ? p.userId : p.appId;
  };

  return {
    ownedDevice,
    ownedGroup,

    createGroup: (auth: AuthState, raw: unknown) =>
      devices.createGroup(principalOf(auth).accountId, parseInput(z.object({ name: displayName(z) }), raw).name),

    async renameGroup(scope: TenantScope, raw: unknown) {
      const input = parseInput(z.object({ id: uuid('a device group'), name: displayName(z) }), raw);
      await ownedGroup(input.id, scope);
      return devices.renameGroup(input.id, input.name);
    },

    async deleteGroup(scope: TenantScope, id: string) {
      await ownedGroup(id, scope);
      await devices.deleteGroup(id);
      return { deletedId: id };
    },

    /** identity's `account.userAdded`: the user may now be shared with. */
    async onUserAdded(user: { userId: string; accountId: string; email: string }) {
      await data.accountUsers.userAdded(user);
    },

    /** identity's `account.userRemoved`: the user's shares end with their membership. */
    async onUserRemoved(userId: string) {
      await data.accountUsers.userRemoved(userId);
    },

    async shareGroup(scope: TenantScope, raw: unknown, share: boolean) {
      const input = parseInput(z.object({ groupId: uuid('a device group'), ...shareeFields }).superRefine(oneSharee), raw);
      const group = await ownedGroup(input.groupId, scope);
      const userId = await sharee(input, share);
      await (share ? devices.shareGroup(group.id, userId) : devices.unshareGroup(group.id, userId));
      return group;
    },

    async addDevice(auth: AuthState, raw: unknown) {
      const input = parseInput(addDeviceInput, raw);
      const principal = principalOf(auth);
      if (input.groupId && !(await devices.ownedGroup(input.groupId, { all: false, accountIds: [principal.accountId] }))) {
        throw badUserInput(`No device group with id "${input.groupId}" in your account.`, 'input.groupId');
      }
      return devices.transaction(async (tx) => {
        const device = await devices.createDevice(
          {
            accountId: principal.accountId,
            name: input.name,
            model: input.model ?? null,
            groupId: input.groupId ?? null,
            attributes: cleanAttributes(input.attributes) ?? {},
          },
          tx,
        );
        await outbox.enqueue(tx, 'device.added', {
          deviceId: device.id,
          accountId: device.accountId,
          name: device.name,
          byUserId: actor(auth),
        });
        return device;
      });
    },

    async updateDevice(auth: AuthState, scope: TenantScope, raw: unknown) {
      const input = parseInput(updateDeviceInput, raw);
      const before = await ownedDevice(input.id, scope);
      const changes: Prisma.DeviceUncheckedUpdateInput = {};
      if (input.name) changes.name = input.name;
      if (input.model) changes.model = input.model;
      if (input.attributes) changes.attributes = cleanAttributes(input.attributes);
      if (input.status) {
        changes.status = input.status;
        changes.statusReason = input.statusReason ?? null;
        changes.lastSeenAt = input.status === 'ONLINE' ? clock() : before.lastSeenAt;
      }
      return devices.transaction(async (tx) => {
        const device = await devices.updateDevice(input.id, changes, tx);
        if (input.status && input.status !== before.status) {
          await outbox.enqueue(tx, 'device.statusChanged', {
            deviceId: device.id,
            accountId: device.accountId,
            status: device.status,
            reason: device.statusReason,
          });
        }
        return device;
      });
    },

    async deleteDevice(auth: AuthState, scope: TenantScope, id: string) {
      await ownedDevice(id, scope);
      return devices.transaction(async (tx) => {
        const device = await devices.updateDevice(id, { deletedAt: clock() }, tx);
        await outbox.enqueue(tx, 'device.deleted', { deviceId: id, accountId: device.accountId, byUserId: actor(auth) });
        return device;
      });
    },

    async restoreDevice(scope: TenantScope, id: string) {
      const device = await ownedDevice(id, scope, true);
      return device.deletedAt ? devices.updateDevice(id, { deletedAt: null }) : device;
    },

    async moveDevice(scope: TenantScope, raw: unknown) {
      const input = parseInput(z.object({ id: uuid('a device'), groupId: uuid('a device group').nullish() }), raw);
      const device = await ownedDevice(input.id, scope);
      if (input.groupId) {
        const group = await devices.ownedGroup(input.groupId, scope);
        if (!group || group.accountId !== device.accountId) {
          throw badUserInput(`No device group with id "${input.groupId}" in the device's account.`, 'input.groupId');
        }
      }
      return devices.updateDevice(device.id, { groupId: input.groupId ?? null });
    },

    async shareDevice(scope: TenantScope, raw: unknown, share: boolean) {
      const input = parseInput(z.object({ deviceId: uuid('a device'), ...shareeFields }).superRefine(oneSharee), raw);
      const device = await ownedDevice(input.deviceId, scope);
      const userId = await sharee(input, share);
      await (share ? devices.shareDevice(device.id, userId) : devices.unshareDevice(device.id, userId));
      return device;
    },

    async setZones(scope: TenantScope, raw: unknown) {
      const input = parseInput(zonesInput, raw);
      input.zones.forEach((zone, i) => {
        const problem = polygonProblem(zone.points);
        if (problem) throw badUserInput(`input.zones.${i}.points: the zone "${zone.name}" ${problem}.`, `input.zones.${i}.points`);
      });
      await ownedDevice(input.deviceId, scope);
      return devices.replaceZones(
        input.deviceId,
        input.zones.map((zone) => ({ name: zone.name, polygon: zone.points })),
      );
    },

    async assignMode(scope: TenantScope, raw: unknown) {
      const input = parseInput(z.object({ deviceId: uuid('a device'), modeId: uuid('a device mode').nullish() }), raw);
      const device = await ownedDevice(input.deviceId, scope);
      // A device uses a global mode or its own account's, never another account's.
      if (input.modeId && !(await data.modes.usableMode(input.modeId, device.accountId))) {
        throw badUserInput(
          `No device mode with id "${input.modeId}" is on offer to the device's account (a global mode or one of its own).`,
          'input.modeId',
        );
      }
      return devices.updateDevice(input.deviceId, { modeId: input.modeId ?? null });
    },
  };
}

export type DevicesService = ReturnType<typeof createDevicesService>;
