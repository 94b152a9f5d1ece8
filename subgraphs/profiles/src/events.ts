import type { EventBus } from '@iris/core';
import { onceByGroup, type SqlClient } from '@iris/db';
import type { Services } from './services/index.js';

/** What the profiles subgraph does on events: it keeps which accounts see which apps, and collects every participant's erasure report. */
export function listenToEvents(events: EventBus, services: Services, prisma: SqlClient): () => void {
  // A handler with a group runs once per event id, however often the bus delivers it.
  const bus = onceByGroup(events, prisma);
  const stops = [
    bus.subscribe('app.accountLinked', ({ payload }) => services.apps.onAccountLinked(payload), { group: 'profiles' }),
    bus.subscribe('app.accountUnlinked', ({ payload }) => services.apps.onAccountUnlinked(payload), { group: 'profiles' }),
    // One group: each report is recorded once, by whichever instance reads it first.
    bus.subscribe('userData.erased', ({ payload }) => services.erasure.onPartErased(payload), { group: 'profiles' }),
    // No group: every instance hears every completion, and wakes its own waiter if it has one.
    bus.subscribe('userData.erasureCompleted', ({ payload }) => services.erasure.onErasureCompleted(payload.erasureId)),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
