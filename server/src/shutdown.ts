import { shutdownTracing, type Logger } from '@iris/core';

/**
 * SIGTERM / SIGINT: `close` stops accepting, closes live sockets with 1001 and finishes the work in
 * flight, then the process exits; past `timeoutMs` it exits anyway (unfinished analysis jobs stay
 * queued in the database and run after the next start). Spans still batched are exported first.
 */
export function exitOnSignals(close: () => Promise<void>, logger: Logger, timeoutMs: number): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown took too long; exiting');
        process.exit(1);
      }, timeoutMs).unref();
      close().then(
        () => shutdownTracing().finally(() => process.exit(0)),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
