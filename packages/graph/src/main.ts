/** `pnpm start`: the whole graph on this machine, ready to explore. */
// First: tracing (when OTEL_* asks for it) must patch `http` before anything else loads.
import './instrument.js';
import { ConfigError, createLogger, DEMO, loadConfig, shutdownTracing } from '@iris/core';
import { startGraph } from './graph.js';

const startedAt = performance.now();
let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
const logger = createLogger({ level: config.LOG_LEVEL, name: 'iris', format: config.LOG_FORMAT });
const graph = await startGraph(config, { logger });
const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);

const lines = [
  '',
  `  Iris is ready in ${seconds}s: ${graph.url}`,
  `  Database: ${graph.database.embedded ? `embedded PostgreSQL (PGlite, ${config.IRIS_DATA_DIR === 'memory' ? 'in memory' : `files in ${config.IRIS_DATA_DIR}/pglite`})` : 'PostgreSQL at DATABASE_URL'}`,
];
if (graph.seeded) {
  lines.push(
    `  Demo sign-in: ${DEMO.mainUser.email} / ${DEMO.password}  (service admin: ${DEMO.adminUser.email}, same password)`,
    `  Demo app id: ${DEMO.app.id}`,
  );
}
console.log(`${lines.join('\n')}\n`);

// SIGTERM / SIGINT: stop accepting, close live sockets with 1001, finish the requests and the analysis in
// flight, then exit; past SHUTDOWN_TIMEOUT_MS the process exits anyway (unfinished jobs stay queued in
// the database and run after the next start).
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    graph.close().then(
      // Spans still batched are exported before the process ends.
      () => shutdownTracing().finally(() => process.exit(0)),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
