import { createServer } from 'node:http';
import { once } from 'node:events';
import { createAnalysisWorker } from '@iris/analytics';
import { captureStorage, loadTokenKeys, shouldSeedDemoData, type Config, type Logger } from '@iris/core';
import { openDatabase } from '@iris/db';
import { startGateway } from '@iris/gateway';
import type { ServiceName } from './requirements.js';
import {
  createSubgraph,
  createVerifier,
  followTokenRevocations,
  openEventBus,
  serveSubgraph,
  SUBGRAPH_NAMES,
  subgraphPort,
  type SubgraphName,
} from './subgraphs.js';

export interface RunningService {
  /** Where it answers: the GraphQL endpoint, or the worker's health address. */
  url: string;
  /** Stops taking work, finishes what is in flight, then lets go of the bus and the database. */
  close: () => Promise<void>;
}

/**
 * One service of the graph in this process (`pnpm start:<service>`), configured by the addresses of
 * what it needs (checked first by `missingVariables`): the gateway in front of subgraphs elsewhere, one
 * subgraph on the shared PostgreSQL and Redis, or the analysis worker.
 */
export async function startService(service: ServiceName, config: Config, logger: Logger): Promise<RunningService> {
  if (service === 'gateway') return startGatewayAlone(config, logger);
  if (service === 'worker') return startWorker(config, logger);
  return startSubgraphAlone(service, config, logger);
}

const subgraphUrl = (config: Config, name: SubgraphName) =>
  ({ identity: config.IDENTITY_URL, profiles: config.PROFILES_URL, devices: config.DEVICES_URL, analytics: config.ANALYTICS_URL })[name]!;

/** Token keys where the variables give them; with JWT_JWKS_URL alone the verifier fetches identity's. */
const tokenKeys = (config: Config) => (config.JWT_PUBLIC_KEY ? loadTokenKeys(config) : Promise.resolve(undefined));

async function startGatewayAlone(config: Config, logger: Logger): Promise<RunningService> {
  const bus = openEventBus(config, logger);
  const verifier = createVerifier(config, await tokenKeys(config));
  const stopRevocations = await followTokenRevocations(config, bus, verifier, logger);
  const gateway = await startGateway(
    {
      config,
      logger: logger.child({ component: 'gateway' }),
      verifier,
      subgraphs: SUBGRAPH_NAMES.map((name) => ({ name, url: subgraphUrl(config, name) })),
    },
    { host: config.HOST, port: config.PORT },
  );
  return {
    url: gateway.url,
    close: async () => {
      await gateway.close();
      await stopRevocations();
      await bus.close();
    },
  };
}

async function startSubgraphAlone(name: SubgraphName, config: Config, logger: Logger): Promise<RunningService> {
  const database = await openDatabase(config, logger.child({ component: 'database' }));
  const bus = openEventBus(config, logger);
  const keys = await tokenKeys(config);
  const verifier = createVerifier(config, keys);
  const stopRevocations = await followTokenRevocations(config, bus, verifier, logger);
  const deps = {
    config,
    logger,
    database,
    bus,
    storage: captureStorage(config.IRIS_DATA_DIR),
    keys,
    publicUrl: () => config.PUBLIC_URL ?? '',
  };
  // Alone, analytics queues capture analyses and the worker processes run them.
  const definition = name === 'analytics' ? createSubgraph.analytics(deps, { runsJobs: false }) : createSubgraph[name](deps);
  const stopListening = definition.listen?.();
  if (shouldSeedDemoData(config)) await definition.seedDemoData?.();
  const server = await serveSubgraph(
    definition,
    { config, logger, database, verifier },
    { host: config.HOST, port: subgraphPort(config, name) },
  );
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await stopListening?.();
      await stopRevocations();
      await bus.close();
      await database.close();
    },
  };
}

/** The analysis worker: runs queued analyses, and answers `/healthz` and `/readyz` for its orchestrator. */
async function startWorker(config: Config, logger: Logger): Promise<RunningService> {
  const database = await openDatabase(config, logger.child({ component: 'database' }));
  const bus = openEventBus(config, logger);
  const worker = createAnalysisWorker({
    prisma: database.prisma,
    bus,
    storage: captureStorage(config.IRIS_DATA_DIR),
    config,
    logger: logger.child({ component: 'worker' }),
  });
  const health = createServer((request, response) => {
    const reply = (status: number, body: object) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/healthz') return reply(200, { status: 'ok' });
    if (request.url === '/readyz') {
      return void database.ping().then(
        () => reply(200, { status: 'ready' }),
        () => reply(503, { status: 'unavailable' }),
      );
    }
    reply(404, { status: 'not found' });
  });
  health.listen(config.WORKER_PORT, config.HOST);
  await once(health, 'listening');
  const address = health.address();
  const port = typeof address === 'object' && address ? address.port : config.WORKER_PORT;
  return {
    url: `http://${config.HOST}:${port}/healthz`,
    close: async () => {
      // Jobs running now finish; queued ones stay in Redis for the next worker.
      await worker.close();
      await new Promise((resolve) => health.close(resolve));
      await bus.close();
      await database.close();
    },
  };
}
