import { displayName, notFound, parseInput } from '@iris/core';
import type { Prisma } from '@iris/db';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../data/index.js';

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

/** Device modes: the offer service admins manage. */
export function createModesService(data: DevicesSubgraphData, clock: () => Date) {
  return {
    create(raw: unknown) {
      const input = parseInput(createInput, raw);
      return data.modes.createMode({
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

    async update(raw: unknown) {
      const { id, ...input } = parseInput(updateInput, raw);
      if (!(await data.modes.offeredMode(id))) throw notFound('DeviceMode', id);
      const changes: Prisma.DeviceModeUpdateInput = {};
      for (const [key, value] of Object.entries(input)) {
        if (value === undefined || value === null) continue;
        (changes as Record<string, unknown>)[key] = Array.isArray(value) && typeof value[0] !== 'object' ? dedupe(value as string[]) : value;
      }
      return data.modes.updateMode(id, changes);
    },

    async withdraw(id: string) {
      if (!(await data.modes.offeredMode(id))) throw notFound('DeviceMode', id);
      return data.modes.updateMode(id, { deletedAt: clock() });
    },
  };
}

export type ModesService = ReturnType<typeof createModesService>;
