/**
 * `pnpm start:<service>`: one service of the graph alone in this process (gateway, identity, profiles,
 * devices, analytics or worker), configured from the environment. It exits at once, naming each
 * missing variable, when something it needs is not set.
 */
// First: tracing (when OTEL_* asks for it) must patch `http` before anything else loads.
import './instrument.js';
import { ConfigError, createLogger, loadConfig, type Config } from '@iris/core';
import { exitOnSignals } from './shutdown.js';
import { describeMissing, isService, missingVariables, SERVICES } from './requirements.js';

const service = process.argv[2];
if (!isService(service)) {
  console.error(`Usage: serve.ts <service>, one of: ${SERVICES.join(', ')}`);
  process.exit(2);
}
let config: Config;
try {
  config = loadConfig(process.env, { service });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
const missing = missingVariables(service, config);
if (missing.length > 0) {
  console.error(describeMissing(service, missing));
  process.exit(1);
}

const startedAt = performance.now();
// Loaded once the configuration is known to be complete, so a missing variable is reported at once.
const { startService } = await import('./service.js');
const logger = createLogger({ level: config.LOG_LEVEL, name: `iris-${service}`, format: config.LOG_FORMAT });
const running = await startService(service, config, logger);
console.log(`Iris ${service} is ready in ${((performance.now() - startedAt) / 1000).toFixed(1)}s: ${running.url}`);

exitOnSignals(() => running.close(), logger, config.SHUTDOWN_TIMEOUT_MS);
