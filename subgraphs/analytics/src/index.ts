import {
  loadSubgraphTypeDefs,
  reportQueueDepth,
  type BlobStorage,
  type Config,
  type EventBus,
  type Logger,
  type SubgraphDefinition,
} from '@iris/core';
import { Outbox, scopedClient, type Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createAnalyticsData } from './data/index.js';
import { seedAnalytics } from './data/seed.js';
import { listenToEvents } from './events.js';
import { resolvers } from './resolvers/index.js';
import { createServices } from './services/index.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface AnalyticsDeps {
  prisma: Db;
  bus: EventBus;
  storage: BlobStorage;
  config: Config;
  logger: Logger;
  /**
   * Whether this process runs queued capture analyses (default true). With REDIS_URL a subgraph
   * instance can leave them to analysis worker processes ({@link createAnalysisWorker}).
   */
  runsJobs?: boolean;
}

const analysisOptions = (config: Config, runsJobs = true) => ({
  workers: config.ANALYSIS_WORKERS,
  threads: config.ANALYSIS_THREADS,
  maxAttempts: config.ANALYSIS_MAX_ATTEMPTS,
  backoffMs: config.ANALYSIS_RETRY_BACKOFF_MS,
  sweepMs: config.ANALYSIS_SWEEP_MS,
  runsJobs,
  ...(config.REDIS_URL ? { redis: { url: config.REDIS_URL, queueName: `${config.REDIS_PREFIX.replace(/:$/, '')}-analysis` } } : {}),
});

/** The analytics subgraph: face analysis and its job queue, activity logs, audience and mark statistics. */
export function createAnalyticsSubgraph(deps: AnalyticsDeps): SubgraphDefinition<Context> & { drainJobs: () => Promise<void> } {
  const db = scopedClient(deps.prisma, 'analytics');
  const data = createAnalyticsData(db);
  const outbox = new Outbox({ prisma: db, bus: deps.bus, source: 'analytics', logger: deps.logger });
  const services = createServices({
    data,
    storage: deps.storage,
    outbox,
    logger: deps.logger,
    analysis: analysisOptions(deps.config, deps.runsJobs),
  });
  const { analysis } = services;
  return {
    name: 'analytics',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, services),
    listen: () => {
      // The relay publishes this subgraph's committed events: at once after each commit here, and what
      // another instance left behind.
      outbox.start();
      const stop = listenToEvents(deps.bus, data, services, outbox, db);
      const stopReporting = deps.config.METRICS ? reportQueueDepth(() => analysis.queue.depth()) : () => {};
      // Alone, this process owns every unfinished job; beside other instances (REDIS_URL) a job that is
      // RUNNING may be running elsewhere, so it is left alone; a QUEUED job that Redis lost is queued again.
      if (!deps.config.REDIS_URL) analysis.resume().catch((err: unknown) => deps.logger.error({ err }, 'could not resume analysis jobs'));
      const stopSweeping = analysis.sweepLostJobs();
      // Stopping waits for the analysis running now; queued jobs stay QUEUED in the database (or in
      // Redis) and run after the next start.
      return async () => {
        stop();
        stopReporting();
        stopSweeping();
        await analysis.close();
        await outbox.stop();
      };
    },
    drainJobs: () => analysis.queue.drain(),
    seedDemoData: () => seedAnalytics(db),
  };
}

/**
 * The analysis worker (`pnpm start:worker`): runs the capture analyses queued in Redis by any analytics
 * instance, records and publishes their results, and serves no GraphQL. Scales on its own with the
 * queue's depth.
 */
export function createAnalysisWorker(deps: Omit<AnalyticsDeps, 'runsJobs'>): {
  drainJobs: () => Promise<void>;
  close: () => Promise<void>;
} {
  const db = scopedClient(deps.prisma, 'analytics');
  if (!deps.config.REDIS_URL) throw new Error('The analysis worker takes its jobs from Redis: REDIS_URL is required.');
  // The worker records results: their events leave through the outbox too, by its own relay.
  const outbox = new Outbox({ prisma: db, bus: deps.bus, source: 'analytics', logger: deps.logger });
  const { analysis } = createServices({
    data: createAnalyticsData(db),
    storage: deps.storage,
    outbox,
    logger: deps.logger,
    analysis: analysisOptions(deps.config),
  });
  outbox.start();
  const stopSweeping = analysis.sweepLostJobs();
  return {
    drainJobs: () => analysis.queue.drain(),
    close: async () => {
      stopSweeping();
      await analysis.close();
      await outbox.stop();
    },
  };
}

export * from './vision/index.js';
