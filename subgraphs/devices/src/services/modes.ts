import { displayName, forbidden, notFound, parseInput, principalOf, type AuthState } from '@iris/core';
import type { Prisma } from '@iris/db';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../data/index.js';
import type { DeviceModeModel } from '@iris/db';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM on a 24-hour clock');
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/London');
const timeWindow = z
  .object({ days: z.array(z.string()).min(1, 'needs at least one day'), start: hhmm, end: hhmm, timeZone })
  .refine((w) => w.start !== w.end, 'start and end must differ');
const fields = {
  name: displayName(z),
  description: z.string().trim().max(1_000).nullish(),
  minFaces: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'),
  minScore: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  expressions: z.array(z.string()).max(7).nullish(),
  eyesOpen: z.boolean().nullish(),
  zoneNames: z.array(displayName(z, 50)).max(20).nullish(),
  timeWindows: z.array(timeWindow).max(14, 'at most 14 windows').nullish(),
};
const createInput = z.object(fields);
const updateInput = z.object({
  id: z.uuid('must be a device mode id'),
  name: fields.name.nullish(),
  description: fields.description,
  minFaces: fields.minFaces.nullish(),
  minScore: fields.minScore.nullish(),
  expressions: fields.expressions,
  eyesOpen: fields.eyesOpen,
  zoneNames: fields.zoneNames,
  timeWindows: fields.timeWindows,
});

const dedupe = <T>(values: T[] | null | undefined) => (values ? [...new Set(values)] : undefined);

/**
 * Device modes: global ones that service admins manage, and each account's own, managed by its main
 * user (the document's `/device-modes/account/:account_id`).
 */
export function createModesService(data: DevicesSubgraphData, clock: () => Date) {
  /** The mode the caller may change: a service admin any, a main user their account's own. */
  async function manageableMode(id: string, auth: AuthState): Promise<DeviceModeModel> {
    const mode = await data.modes.offeredMode(id);
    const principal = principalOf(auth);
    if (principal.kind === 'user' && principal.role === 'SERVICE_ADMIN') return mode ?? Promise.reject(notFound('DeviceMode', id));
    const accountId = 'accountId' in principal ? principal.accountId : null;
    if (!mode || (mode.accountId !== null && mode.accountId !== accountId)) throw notFound('DeviceMode', id);
    if (mode.accountId === null)
      throw forbidden('Global device modes are managed by service admins; create a mode of your own account with createDeviceMode.');
    return mode;
  }

  return {
    /** A service admin's mode is global; a main user's belongs to their account. */
    create(auth: AuthState, raw: unknown) {
      const input = parseInput(createInput, raw);
      const principal = principalOf(auth);
      const accountId = principal.kind === 'user' && principal.role !== 'SERVICE_ADMIN' ? principal.accountId : null;
      return data.modes.createMode({
        ...(accountId ? { accountId } : {}),
        name: input.name,
        description: input.description ?? null,
        minFaces: input.minFaces,
        minScore: input.minScore,
        expressions: dedupe(input.expressions) ?? [],
        eyesOpen: input.eyesOpen ?? false,
        zoneNames: dedupe(input.zoneNames) ?? [],
        timeWindows: input.timeWindows ?? [],
      });
    },

    async update(auth: AuthState, raw: unknown) {
      const { id, ...input } = parseInput(updateInput, raw);
      await manageableMode(id, auth);
      const changes: Prisma.DeviceModeUpdateInput = {};
      for (const [key, value] of Object.entries(input)) {
        if (value === undefined || value === null) continue;
        (changes as Record<string, unknown>)[key] =
          Array.isArray(value) && typeof value[0] !== 'object' ? dedupe(value as string[]) : value;
      }
      return data.modes.updateMode(id, changes);
    },

    async withdraw(auth: AuthState, id: string) {
      await manageableMode(id, auth);
      return data.modes.updateMode(id, { deletedAt: clock() });
    },
  };
}

export type ModesService = ReturnType<typeof createModesService>;
