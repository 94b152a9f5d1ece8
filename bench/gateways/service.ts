/**
 * One subgraph alone in this process, as `pnpm start:<name>` runs it (`BENCH_SPLIT=true`, the name in
 * `BENCH_SERVICE`), on the database the subgraph process seeded (`DATABASE_URL`) with Redis for its events
 * (`REDIS_URL`): the four subgraphs then run as operators deploy them, one process each, instead of
 * sharing one event loop.
 */
import { createLogger, loadConfig } from '@iris/core';
import { startService } from '../../server/src/service.js';
import { serveParent } from './child.js';

const name = process.env.BENCH_SERVICE as 'identity' | 'profiles' | 'devices' | 'analytics';
const config = loadConfig(
  { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', [`${name.toUpperCase()}_PORT`]: '0', SEED_DEMO_DATA: 'false' },
  { service: name },
);
const logger = createLogger({ level: config.LOG_LEVEL, name: `iris-${name}` });
const running = await startService(name, config, logger);
serveParent({ type: 'ready', url: running.url }, running.close);
