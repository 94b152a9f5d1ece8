import { ErrorCode, IrisError } from './errors.js';

/**
 * A push-to-pull queue read as an async iterator, with a bound: values pushed faster than they are
 * read are held up to `maxBuffer`, and past it the queue fails with `overflow()` instead of growing
 * without limit. It is what lets one producer feed many consumers without the slowest one holding up
 * the others or the process's memory (subscription event streams, fanned-out upstream events).
 */
export interface BoundedQueue<T> extends AsyncIterableIterator<T> {
  /** Adds a value for the reader; false when the queue is closed or just overflowed. */
  push(value: T): boolean;
  /** Ends the iteration once what is buffered has been read. */
  end(): void;
  /** Ends the iteration with `error` once what is buffered has been read. */
  fail(error: Error): void;
  readonly closed: boolean;
}

/** A reader fell more than `maxBuffer` values behind: it was ended, and resumes from where it was (`after`). */
export class FellBehindError extends IrisError {
  constructor(maxBuffer: number) {
    super(
      ErrorCode.RATE_LIMITED,
      `This subscription fell more than ${maxBuffer} events behind and was ended; subscribe again with \`after\` to catch up.`,
    );
  }
}

export interface BoundedQueueOptions {
  maxBuffer: number;
  /** The error the reader gets when the bound is passed (by default a `FellBehindError`). */
  overflow?: () => Error;
  /** Called once when the queue closes, whichever way: the reader's `return`, `end`, `fail` or overflow. */
  onClose?: () => void;
}

export function boundedQueue<T>(options: BoundedQueueOptions): BoundedQueue<T> {
  const buffer: T[] = [];
  let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    options.onClose?.();
  };
  // Wakes a reader waiting on an empty queue with the end (or the failure).
  const settleWaiting = () => {
    if (!waiting) return;
    const reader = waiting;
    waiting = undefined;
    if (failure) reader.reject(failure);
    else reader.resolve({ value: undefined, done: true });
  };

  return {
    get closed() {
      return closed;
    },
    push(value) {
      if (closed) return false;
      if (waiting) {
        const reader = waiting;
        waiting = undefined;
        reader.resolve({ value, done: false });
        return true;
      }
      if (buffer.length >= options.maxBuffer) {
        // What was buffered is still read, then the failure: the reader knows where it fell off.
        failure = options.overflow?.() ?? new FellBehindError(options.maxBuffer);
        close();
        return false;
      }
      buffer.push(value);
      return true;
    },
    end() {
      close();
      settleWaiting();
    },
    fail(error) {
      if (closed) return;
      failure = error;
      close();
      settleWaiting();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (failure) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return() {
      buffer.length = 0;
      failure = undefined;
      close();
      settleWaiting();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err?: unknown) {
      buffer.length = 0;
      close();
      settleWaiting();
      return Promise.reject(err);
    },
  };
}
