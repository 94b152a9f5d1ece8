/** Iris's gateway, as `startGraph` builds it, in front of the benchmark's subgraphs. */
import { AccessTokenVerifier, createLogger, loadConfig, loadTokenKeys } from '@iris/core';
import { pathToFileURL } from 'node:url';
import { serveParent, subgraphUrls, supergraphSdl } from './child.js';

// BENCH_IRIS_GATEWAY points at another checkout's `gateway/src/index.ts`, to compare two versions of Iris.
const entry = process.env.BENCH_IRIS_GATEWAY ? pathToFileURL(process.env.BENCH_IRIS_GATEWAY).href : '../../gateway/src/index.js';
const { startGateway } = (await import(entry)) as typeof import('../../gateway/src/index.js');
const urls = subgraphUrls();
// Limits on, but the rate limit set out of reach: every request of the run comes from one user. Read as
// `pnpm start:gateway` reads it (the gateway alone needs no database, on PGlite runs too).
const config = loadConfig(
  {
    RATE_LIMIT_POINTS: '1000000000',
    ...process.env,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: '0',
    PLAYGROUND: 'false',
  },
  { service: 'gateway' },
);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'iris' });
const keys = await loadTokenKeys(config);
const gateway = await startGateway(
  {
    config,
    logger: logger.child({ component: 'gateway' }),
    verifier: new AccessTokenVerifier({ keys }, config),
    subgraphs: Object.entries(urls).map(([name, url]) => ({ name: name as never, url })),
    supergraphSdl: supergraphSdl(urls),
  },
  { host: config.HOST, port: config.PORT },
);
serveParent({ type: 'ready', url: gateway.url }, gateway.close);
