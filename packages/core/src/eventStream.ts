import { IrisError, ErrorCode } from './errors.js';
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
export function eventStream<T extends IrisEventType>(bus: EventBus, type: T, options: EventStreamOptions<T> = {}): AsyncIterableIterator<IrisEvent<T>> {
  const maxBuffer = options.maxBuffer ?? 1_000;
  const buffer: IrisEvent<T>[] = [];
  let waiting: ((result: IteratorResult<IrisEvent<T>>) => void) | undefined;
  let failure: Error | undefined;
  let done = false;

  const unsubscribe = bus.subscribe(type, (event) => {
    if (done || (options.filter && !options.filter(event))) return;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: event, done: false });
    } else if (buffer.length >= maxBuffer) {
      failure = new IrisError(ErrorCode.RATE_LIMITED, `This subscription fell more than ${maxBuffer} events behind and was ended; subscribe again with \`after\` to catch up.`);
      finish();
    } else {
      buffer.push(event);
    }
  });

  function finish() {
    done = true;
    unsubscribe();
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next(): Promise<IteratorResult<IrisEvent<T>>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return(): Promise<IteratorResult<IrisEvent<T>>> {
      finish();
      buffer.length = 0;
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err?: unknown): Promise<IteratorResult<IrisEvent<T>>> {
      finish();
      return Promise.reject(err);
    },
  };
}
