import type { Prisma, ScopedClient, ScopedTransaction } from '@iris/db';
import { createActionsData } from './actions.js';
import { createAnalysesData } from './analyses.js';
import { createAudienceData } from './audience.js';
import { createMarkStatsData } from './markStats.js';

/** Analytics' data layer: the only code of this subgraph that talks to Prisma. */
export function createAnalyticsData(prisma: ScopedClient<'analytics'>) {
  return {
    /** One transaction over these tables (and the outbox, for the events a write implies). */
    transaction: <T>(work: (tx: ScopedTransaction<'analytics'>) => Promise<T>) => prisma.$transaction(work),
    actions: createActionsData(prisma),
    audience: createAudienceData(prisma),
    analyses: createAnalysesData(prisma),
    markStats: createMarkStatsData(prisma),
  };
}

export type AnalyticsData = ReturnType<typeof createAnalyticsData>;
