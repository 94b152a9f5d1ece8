import type { EventBus } from '@iris/core';
import type { Services } from './services/index.js';

/**
 * What identity does on other subgraphs' events: nothing. It is where accounts, users, apps and
 * revocations start, so it only emits events (through its outbox) and learns nothing from the others.
 * Kept, like every subgraph's `events.ts`, as the one place a subscription of identity would go.
 */
export function listenToEvents(_bus: EventBus, _services: Services): () => void {
  return () => {};
}
