import {
  captureStorage,
  createLogger,
  type EventBus,
  loadTokenKeys,
  shouldSeedDemoData,
  type Config,
  type FileSystemStorage,
  type Logger,
  type RunningServer,
  type SubgraphDefinition,
  type TokenKeys,
} from '@iris/core';
import { openDatabase, type Database } from '@iris/db';
import { startGateway } from '@iris/gateway';
import {
  createSubgraph,
  createVerifier,
  followTokenRevocations,
  openEventBus,
  serveSubgraph,
  SUBGRAPH_NAMES,
  subgraphPort,
  type SubgraphDeps,
  type SubgraphName,
} from './subgraphs.js';

export interface RunningGraph {
  /** The gateway's GraphQL endpoint. */
  url: string;
  gateway: RunningServer;
  subgraphs: Record<SubgraphDefinition['name'], RunningServer>;
  database: Database;
  bus: EventBus;
  keys: TokenKeys;
  storage: FileSystemStorage;
  seeded: boolean;
  /** Runs the retention purge now (it also runs every RETENTION_SWEEP_SECONDS). */
  sweepRetention: () => Promise<unknown>;
  /** Resolves when the analysis queue is idle. */
  drainJobs: () => Promise<void>;
  /**
   * Stops one subgraph's server, or starts it again on the same port: what a crash and a restart look
   * like to the gateway (the fault tests use it; so can an operator embedding the graph).
   */
  stopSubgraph: (name: SubgraphDefinition['name']) => Promise<void>;
  startSubgraph: (name: SubgraphDefinition['name']) => Promise<void>;
  close: () => Promise<void>;
}

export interface StartGraphOptions {
  logger?: Logger;
  /** The clock tokens are issued and checked with (tests move it forward). */
  clock?: () => Date;
}

/**
 * The whole graph in one process: the database (embedded unless `DATABASE_URL`), the event bus, the
 * four subgraphs on their own ports and the gateway in front. `pnpm start` and the end-to-end tests
 * both come through here.
 */
export async function startGraph(config: Config, options: StartGraphOptions = {}): Promise<RunningGraph> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'iris', format: config.LOG_FORMAT });
  const database = await openDatabase(config, logger.child({ component: 'database' }));
  const bus = openEventBus(config, logger);
  const storage = captureStorage(config.IRIS_DATA_DIR);
  // Signed URLs point at the gateway; its address is known once it listens (port 0 in tests).
  let publicUrl = config.PUBLIC_URL;
  const keys = await loadTokenKeys(config);
  const verifier = createVerifier(config, keys, options.clock);
  const stopRevocations = await followTokenRevocations(config, bus, verifier, logger);
  const deps: SubgraphDeps = {
    config,
    logger,
    database,
    bus,
    storage,
    keys,
    publicUrl: () => publicUrl ?? '',
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const devices = createSubgraph.devices(deps);
  const analytics = createSubgraph.analytics(deps);
  // Every subgraph, in SUBGRAPH_NAMES order; devices and analytics are kept for their jobs too.
  const made: Partial<Record<SubgraphName, SubgraphDefinition>> = { devices, analytics };
  const definitions = SUBGRAPH_NAMES.map((name) => made[name] ?? (createSubgraph[name](deps) as SubgraphDefinition));

  // Listeners first: seeding publishes events (the demo profiles feed analytics' audience).
  const stopListening = definitions.map((definition) => definition.listen?.());
  const seeded = shouldSeedDemoData(config);
  if (seeded) {
    for (const definition of definitions) await definition.seedDemoData?.();
    await bus.drain();
  }

  // In one process the subgraphs are reached by the gateway alone, on loopback.
  const serve = (definition: SubgraphDefinition, port: number) =>
    serveSubgraph(definition, { config, logger, database, verifier }, { host: '127.0.0.1', port });
  const started = await Promise.all(definitions.map((definition) => serve(definition, subgraphPort(config, definition.name))));
  const subgraphs = Object.fromEntries(definitions.map((d, i) => [d.name, started[i]!])) as RunningGraph['subgraphs'];
  const stopped = new Set<string>();

  const gateway = await startGateway(
    {
      config,
      logger: logger.child({ component: 'gateway' }),
      verifier,
      subgraphs: definitions.map((d, i) => ({ name: d.name, url: started[i]!.url })),
    },
    { host: config.HOST, port: config.PORT },
  );

  publicUrl ??= new URL(gateway.url).origin;

  return {
    url: gateway.url,
    storage,
    gateway,
    subgraphs,
    database,
    bus,
    keys,
    seeded,
    sweepRetention: devices.sweepRetention,
    drainJobs: analytics.drainJobs,
    stopSubgraph: async (name) => {
      if (stopped.has(name)) return;
      stopped.add(name);
      await subgraphs[name].close();
    },
    startSubgraph: async (name) => {
      if (!stopped.has(name)) return;
      subgraphs[name] = await serve(definitions.find((d) => d.name === name)!, subgraphs[name].port);
      stopped.delete(name);
    },
    // Outside in: the gateway (no new requests, live sockets closed, requests in flight finished), the
    // subgraphs, the event listeners and the analysis in flight, then the bus and the database.
    close: async () => {
      const phase = async (name: string, work: () => Promise<unknown>) => {
        const started = performance.now();
        await work();
        logger.info({ ms: Math.round(performance.now() - started) }, `shutdown: ${name} stopped`);
      };
      await phase('gateway', () => gateway.close());
      await phase('subgraphs', () =>
        Promise.all(Object.entries(subgraphs).map(([name, server]) => (stopped.has(name) ? undefined : server.close()))),
      );
      await phase('event listeners and jobs', () => Promise.all([...stopListening.map((stop) => stop?.()), stopRevocations()]));
      await phase('event bus', () => bus.close());
      await phase('database', () => database.close());
    },
  };
}
