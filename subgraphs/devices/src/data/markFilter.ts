import { parseInput } from '@iris/core';
import type { Prisma } from '@iris/db';
import { z } from 'zod';

/**
 * The mark filter in every form it takes, side by side so they cannot drift: the validation of
 * `DeviceMarkFilter` (listing) and of `DeviceMarkSubscriptionFilter` (its part that a live event can
 * be checked against), its SQL form for listing and for replaying missed marks, and its in-memory form
 * for live `mark.created` events.
 */

const byPlace = {
  deviceId: z.uuid('must be a device id').nullish(),
  deviceGroupId: z.uuid('must be a device group id').nullish(),
  deviceModeId: z.uuid('must be a device mode id').nullish(),
};
const markFilterInput = z
  .object({
    ...byPlace,
    createdAfter: z.date().nullish(),
    createdBefore: z.date().nullish(),
    unread: z.boolean().nullish(),
    deleted: z.boolean().nullish(),
  })
  .nullish();
const markSubscriptionFilterInput = z.object(byPlace).nullish();

/** `DeviceMarkFilter`, validated. */
export type MarkFilter = NonNullable<z.infer<typeof markFilterInput>>;
/** `DeviceMarkSubscriptionFilter`, validated: only what a `mark.created` event carries. */
export type MarkSubscriptionFilter = NonNullable<z.infer<typeof markSubscriptionFilterInput>>;

/** The `filter` argument of a mark listing; BAD_USER_INPUT naming the field at fault. */
export const parseMarkFilter = (raw: unknown): MarkFilter => parseInput(markFilterInput, raw, 'filter') ?? {};

/** The `filter` argument of `deviceMarkCreated`; BAD_USER_INPUT naming the field at fault. */
export const parseMarkSubscriptionFilter = (raw: unknown): MarkSubscriptionFilter =>
  parseInput(markSubscriptionFilterInput, raw, 'filter') ?? {};

/** The filter as SQL. Trashed marks are left out unless `deleted` asks for the trash alone. */
export function markFilterWhere(filter: MarkFilter): Prisma.DeviceMarkWhereInput {
  return {
    ...(filter.deviceId ? { deviceId: filter.deviceId } : {}),
    ...(filter.deviceGroupId ? { groupId: filter.deviceGroupId } : {}),
    ...(filter.deviceModeId ? { modeId: filter.deviceModeId } : {}),
    ...(filter.createdAfter || filter.createdBefore
      ? {
          createdAt: {
            ...(filter.createdAfter ? { gt: filter.createdAfter } : {}),
            ...(filter.createdBefore ? { lt: filter.createdBefore } : {}),
          },
        }
      : {}),
    ...(filter.unread == null ? {} : { readAt: filter.unread ? null : { not: null } }),
    deletedAt: filter.deleted ? { not: null } : null,
  };
}

/** The filter on a new mark as its `mark.created` event describes it (the same test as {@link markFilterWhere}'s). */
export function matchesMark(
  filter: MarkSubscriptionFilter,
  mark: { deviceId: string; groupId: string | null; modeId: string | null },
): boolean {
  return (
    (!filter.deviceId || mark.deviceId === filter.deviceId) &&
    (!filter.deviceGroupId || mark.groupId === filter.deviceGroupId) &&
    (!filter.deviceModeId || mark.modeId === filter.deviceModeId)
  );
}
