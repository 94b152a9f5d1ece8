/** `pnpm start`: the whole graph on this machine, ready to explore. */
// First: tracing (when OTEL_* asks for it) must patch `http` before anything else loads.
import './instrument.js';
import { ConfigError, createLogger, DEMO, loadConfig, type Config } from '@iris/core';
import { exitOnSignals } from './shutdown.js';
import { startGraph } from './graph.js';

const startedAt = performance.now();
let config: Config;
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

exitOnSignals(() => graph.close(), logger, config.SHUTDOWN_TIMEOUT_MS);
