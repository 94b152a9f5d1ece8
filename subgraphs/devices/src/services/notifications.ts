import { displayName, notFound, parseInput, requireInScope, scopeWhere, type IrisEventMap, type TenantScope } from '@iris/core';
import type { Outbox, Prisma } from '@iris/db';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../data/index.js';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Notifications: of device errors and status changes (from events), announcements, delivery flags. */
export function createNotificationsService(data: DevicesSubgraphData, outbox: Outbox, clock: () => Date) {
  const { notifications } = data;
  /** A notification and its event, in one transaction. */
  const create = (row: Prisma.NotificationUncheckedCreateInput) =>
    data.devices.transaction(async (tx) => {
      const n = await notifications.create(row, tx);
      await outbox.enqueue(tx, 'notification.created', {
        notificationId: n.id,
        accountId: n.accountId,
        type: n.type,
        deviceId: n.deviceId,
        markId: n.markId,
      });
      return n;
    });

  return {
    async onDeviceStatusChanged(event: IrisEventMap['device.statusChanged']) {
      const error = event.status === 'ERROR';
      const [device] = await data.devices.devicesByIds([event.deviceId], { scope: { all: true } });
      const name = device?.name ?? 'A device';
      await create({
        accountId: event.accountId,
        type: error ? 'DEVICE_ERROR' : 'DEVICE_STATUS_CHANGED',
        deviceId: event.deviceId,
        title: error ? `${name} reports an error` : `${name} is now ${event.status.toLowerCase()}`,
        body: event.reason ?? (error ? 'The device reported a connection error.' : `Status changed to ${event.status}.`),
      });
    },

    /** Created today (UTC) and not yet sent: the document's "today's unsent notifications". */
    unsentToday(scope: TenantScope, accountId: string) {
      requireInScope(scope, accountId);
      const now = clock();
      return notifications.unsentSince(accountId, new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())));
    },

    markSent: (scope: TenantScope, raw: unknown) =>
      notifications.markSent(parseInput(z.object({ ids: z.array(z.uuid()).min(1).max(100) }), raw).ids, scopeWhere(scope), clock()),

    async announce(raw: unknown) {
      const input = parseInput(
        z.object({
          accountId: z.uuid('must be an account id'),
          title: displayName(z, 200),
          body: text(2_000),
          deviceId: z.uuid().nullish(),
        }),
        raw,
      );
      return create({
        accountId: input.accountId,
        type: 'ANNOUNCEMENT',
        title: input.title,
        body: input.body,
        deviceId: input.deviceId ?? null,
      });
    },

    async update(raw: unknown) {
      const { id, ...changes } = parseInput(
        z.object({ id: z.uuid('must be a notification id'), title: displayName(z, 200).nullish(), body: text(2_000).nullish() }),
        raw,
      );
      const [existing] = await notifications.notificationsByIds([id], {});
      if (!existing) throw notFound('Notification', id);
      return notifications.update(id, Object.fromEntries(Object.entries(changes).filter(([, v]) => v != null)));
    },

    async remove(raw: string) {
      const { id } = parseInput(z.object({ id: z.uuid('must be a notification id') }), { id: raw });
      if (!(await notifications.delete(id))) throw notFound('Notification', id);
      return { deletedId: id };
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
