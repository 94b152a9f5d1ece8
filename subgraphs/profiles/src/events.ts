import type { EventBus } from '@iris/core';
import type { Services } from './services/index.js';

/** What the profiles subgraph does on events: it collects every participant's erasure report. */
export function listenToEvents(bus: EventBus, services: Services): () => void {
  const stops = [
    // One group: each report is recorded once, by whichever instance reads it first.
    bus.subscribe('userData.erased', ({ payload }) => services.erasure.onPartErased(payload), { group: 'profiles' }),
    // No group: every instance hears every completion, and wakes its own waiter if it has one.
    bus.subscribe('userData.erasureCompleted', ({ payload }) => services.erasure.onErasureCompleted(payload.erasureId)),
  ];
  return () => stops.forEach((stop) => stop());
}
