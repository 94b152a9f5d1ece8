import { boundedQueue } from './boundedQueue.js';
import type { EventBus, IrisEvent, IrisEventType } from './events.js';

export interface EventStreamOptions<T extends IrisEventType> {
  filter?: (event: IrisEvent<T>) => boolean;
  /** Events held for a consumer that reads slower than they arrive; past it the stream fails. */
  maxBuffer?: number;
}

/**
 * Bus events of one type as an async iterator, for subscription resolvers. It listens from the
 * moment it is created (so a replay read afterwards misses nothing), buffers at most `maxBuffer`
 * events for a slow reader, and then ends with an error instead of growing without bound: one slow
 * subscriber never holds up the others.
 */
export function eventStream<T extends IrisEventType>(
  bus: EventBus,
  type: T,
  options: EventStreamOptions<T> = {},
): AsyncIterableIterator<IrisEvent<T>> {
  let unsubscribe = () => {};
  const queue = boundedQueue<IrisEvent<T>>({ maxBuffer: options.maxBuffer ?? 1_000, onClose: () => unsubscribe() });
  unsubscribe = bus.subscribe(type, (event) => {
    if (!options.filter || options.filter(event)) queue.push(event);
  });
  return queue;
}
