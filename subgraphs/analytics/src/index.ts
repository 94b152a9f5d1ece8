import { loadSubgraphTypeDefs, type EventBus, type SubgraphDefinition } from '@iris/core';
import type { Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createAnalyticsData } from './data/index.js';
import { seedAnalytics } from './data/seed.js';
import { listenToEvents } from './events.js';
import { resolvers } from './resolvers/index.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface AnalyticsDeps {
  prisma: Db;
  bus: EventBus;
}

/** The analytics subgraph: activity logs (face analysis and aggregates build on it). */
export function createAnalyticsSubgraph(deps: AnalyticsDeps): SubgraphDefinition<Context> {
  const data = createAnalyticsData(deps.prisma);
  return {
    name: 'analytics',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data),
    listen: () => listenToEvents(deps.bus, data),
    seedDemoData: () => seedAnalytics(deps.prisma),
  };
}
