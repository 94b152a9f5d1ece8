import { eventStream, inScope, isUuid, returnPromptly, type IrisEvent } from '@iris/core';
import type { SubscriptionResolvers } from '../generated/resolvers-types.js';
import type { Prisma } from '@iris/db';
import type { Context } from '../context.js';
import { matchesMark, parseMarkSubscriptionFilter, type MarkSubscriptionFilter } from '../data/markFilter.js';

/** Whether the caller may see a row of this account on this device (its own, or shared with it). */
async function visible(context: Context, accountId: string, deviceId: string) {
  if (inScope(context.scope, accountId)) return true;
  if (!context.visibility.userId) return false;
  return (await context.data.devices.devicesByIds([deviceId], context.visibility)).length > 0;
}

/**
 * Marks the caller may see: first those after the mark `replay.after` (replayed from the database,
 * among `replay.visibleWhere`), then live ones, each once.
 */
async function* markEvents(
  context: Context,
  replay: { after: string; visibleWhere: Prisma.DeviceMarkWhereInput } | null,
  filter: MarkSubscriptionFilter,
  live: AsyncIterableIterator<IrisEvent<'mark.created'>>,
) {
  const delivered = new Set<string>();
  try {
    if (replay) {
      for await (const mark of context.services.marks.replayAfter(replay.after, replay.visibleWhere, filter)) {
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
}

async function* notificationEvents(context: Context, live: AsyncIterableIterator<IrisEvent<'notification.created'>>) {
  for await (const event of live) {
    const [notification] = await context.data.notifications.notificationsByIds([event.payload.notificationId], {});
    if (notification) yield { notificationReceived: notification };
  }
}

async function* deviceStatusEvents(context: Context, live: AsyncIterableIterator<IrisEvent<'device.statusChanged'>>) {
  for await (const event of live) {
    if (!(await visible(context, event.payload.accountId, event.payload.deviceId))) continue;
    const [device] = await context.data.devices.devicesByIds([event.payload.deviceId], { scope: { all: true } });
    if (device) yield { deviceStatusChanged: device };
  }
}

// Each subscription listens on the bus from the moment it is made (so a replay read afterwards misses
// nothing), and stops listening as soon as the subscriber leaves (`returnPromptly`), not at the next event.
export const Subscription: SubscriptionResolvers = {
  deviceMarkCreated: {
    subscribe: async (_parent, args, context) => {
      const filter = parseMarkSubscriptionFilter(args.filter);
      // `after` must name a mark the caller sees (BAD_USER_INPUT otherwise), checked before listening.
      const replay =
        args.after != null
          ? { after: args.after, visibleWhere: await context.services.marks.replayFrom(args.after, context.visibility) }
          : null;
      const live = eventStream(context.services.bus, 'mark.created', { filter: (e) => matchesMark(filter, e.payload) });
      return returnPromptly(markEvents(context, replay, filter, live), live);
    },
  },

  notificationReceived: {
    subscribe: (_parent, _args, context) => {
      const live = eventStream(context.services.bus, 'notification.created', {
        filter: (e) => inScope(context.scope, e.payload.accountId),
      });
      return returnPromptly(notificationEvents(context, live), live);
    },
  },

  deviceStatusChanged: {
    subscribe: (_parent, args, context) => {
      // No device has such an id: a stream that ends at once.
      if (args.deviceId != null && !isUuid(args.deviceId)) return (async function* () {})();
      const live = eventStream(context.services.bus, 'device.statusChanged', {
        filter: (e) => !args.deviceId || e.payload.deviceId === args.deviceId,
      });
      return returnPromptly(deviceStatusEvents(context, live), live);
    },
  },
};
