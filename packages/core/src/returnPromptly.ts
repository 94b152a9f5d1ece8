/**
 * An async generator whose `return()` takes effect at once. A generator suspended in `for await` over a
 * source that has nothing to give does not see `return()` until the source yields again (the language
 * queues it behind the pending `next()`), so a subscriber who left would keep its bus listener or its
 * upstream subscription until the next event came. Returning `source` first ends that wait; the
 * generator's `finally` blocks then run as usual.
 */
export function returnPromptly<T>(generator: AsyncGenerator<T>, source: { return?: () => unknown }): AsyncIterableIterator<T> {
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => generator.next(),
    async return() {
      await source.return?.();
      return generator.return(undefined);
    },
    async throw(error?: unknown) {
      await source.return?.();
      return generator.throw(error);
    },
  };
}
