import { loadSubgraphTypeDefs, reportQueueDepth, type BlobStorage, type Config, type EventBus, type Logger, type SubgraphDefinition } from '@iris/core';
import type { Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createAnalyticsData } from './data/index.js';
import { seedAnalytics } from './data/seed.js';
import { listenToEvents } from './events.js';
import { resolvers } from './resolvers/index.js';
import { createAnalysisService } from './services/analysis.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface AnalyticsDeps {
  prisma: Db;
  bus: EventBus;
  storage: BlobStorage;
  config: Config;
  logger: Logger;
}

/** The analytics subgraph: face analysis and its job queue, activity logs, audience and mark statistics. */
export function createAnalyticsSubgraph(deps: AnalyticsDeps): SubgraphDefinition<Context> & { drainJobs: () => Promise<void> } {
  const data = createAnalyticsData(deps.prisma);
  const analysis = createAnalysisService(data, deps.storage, deps.bus, deps.logger, {
    workers: deps.config.ANALYSIS_WORKERS,
    maxAttempts: deps.config.ANALYSIS_MAX_ATTEMPTS,
    backoffMs: deps.config.ANALYSIS_RETRY_BACKOFF_MS,
    ...(deps.config.REDIS_URL ? { redis: { url: deps.config.REDIS_URL, queueName: `${deps.config.REDIS_PREFIX.replace(/:$/, '')}-analysis` } } : {}),
  });
  return {
    name: 'analytics',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, analysis),
    listen: () => {
      const stop = listenToEvents(deps.bus, data, analysis);
      const stopReporting = deps.config.METRICS ? reportQueueDepth(() => analysis.queue.depth()) : () => {};
      // Alone, this process owns every unfinished job; beside other instances (REDIS_URL) a job that is
      // RUNNING may be running elsewhere, so it is left alone.
      if (!deps.config.REDIS_URL) analysis.resume().catch((err: unknown) => deps.logger.error({ err }, 'could not resume analysis jobs'));
      // Stopping waits for the analysis running now; queued jobs stay QUEUED in the database (or in
      // Redis) and run after the next start.
      return async () => {
        stop();
        stopReporting();
        await analysis.close();
      };
    },
    drainJobs: () => analysis.queue.drain(),
    seedDemoData: () => seedAnalytics(deps.prisma),
  };
}

export * from './vision/index.js';
