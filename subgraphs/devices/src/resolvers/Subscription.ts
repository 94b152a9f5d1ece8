import { eventStream, inScope, isUuid, parseInput } from '@iris/core';
import { z } from 'zod';
import type { SubscriptionResolvers } from '../generated/resolvers-types.js';
import type { Context } from '../context.js';

const markFilter = z
  .object({
    deviceId: z.uuid('must be a device id').nullish(),
    deviceGroupId: z.uuid('must be a device group id').nullish(),
    deviceModeId: z.uuid('must be a device mode id').nullish(),
  })
  .nullish();

/** Whether the caller may see a row of this account on this device (its own, or shared with it). */
async function visible(context: Context, accountId: string, deviceId: string) {
  if (inScope(context.scope, accountId)) return true;
  if (!context.visibility.userId) return false;
  return (await context.data.devices.devicesByIds([deviceId], context.visibility)).length > 0;
}

export const Subscription: SubscriptionResolvers = {
  deviceMarkCreated: {
    subscribe: async function* (_parent, args, context) {
      const filter = parseInput(markFilter, args.filter, 'filter') ?? {};
      if (args.after != null && !isUuid(args.after)) {
        throw context.services.marks.badCursor();
      }
      const matches = (m: { deviceId: string; groupId: string | null; modeId: string | null }) =>
        (!filter.deviceId || m.deviceId === filter.deviceId) &&
        (!filter.deviceGroupId || m.groupId === filter.deviceGroupId) &&
        (!filter.deviceModeId || m.modeId === filter.deviceModeId);
      // Listen before reading what was missed, so nothing falls between the replay and the live events.
      const live = eventStream(context.services.bus, 'mark.created', { filter: (e) => matches(e.payload) });
      const delivered = new Set<string>();
      try {
        if (args.after) {
          for await (const mark of context.services.marks.replayAfter(args.after, await context.data.marks.visibleMarks(context.visibility), filter)) {
            delivered.add(mark.id);
            yield { deviceMarkCreated: mark };
          }
        }
        for await (const event of live) {
          if (delivered.has(event.payload.markId)) continue;
          if (!(await visible(context, event.payload.accountId, event.payload.deviceId))) continue;
          const mark = await context.services.marks.announced(event.payload.markId);
          if (mark) yield { deviceMarkCreated: mark };
        }
      } finally {
        await live.return!();
      }
    },
  },

  notificationReceived: {
    subscribe: async function* (_parent, _args, context) {
      const live = eventStream(context.services.bus, 'notification.created', { filter: (e) => inScope(context.scope, e.payload.accountId) });
      for await (const event of live) {
        const [notification] = await context.data.notifications.notificationsByIds([event.payload.notificationId], {});
        if (notification) yield { notificationReceived: notification };
      }
    },
  },

  deviceStatusChanged: {
    subscribe: async function* (_parent, args, context) {
      if (args.deviceId != null && !isUuid(args.deviceId)) return;
      const live = eventStream(context.services.bus, 'device.statusChanged', { filter: (e) => !args.deviceId || e.payload.deviceId === args.deviceId });
      for await (const event of live) {
        if (!(await visible(context, event.payload.accountId, event.payload.deviceId))) continue;
        const [device] = await context.data.devices.devicesByIds([event.payload.deviceId], { scope: { all: true } });
        if (device) yield { deviceStatusChanged: device };
      }
    },
  },
};
