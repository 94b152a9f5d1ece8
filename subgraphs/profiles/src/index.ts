import { loadSubgraphTypeDefs, type EventBus, type SubgraphDefinition } from '@iris/core';
import { scopedClient, type Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createProfilesData } from './data/profiles.js';
import { seedProfiles } from './data/seed.js';
import { listenToEvents } from './events.js';
import { resolvers } from './resolvers/index.js';
import { createServices } from './services/index.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface ProfilesDeps {
  prisma: Db;
  bus: EventBus;
  /** How long an erasure waits for the other subgraphs' reports before answering with them pending. */
  erasureWaitMs?: number;
}

/** The profiles subgraph: audience profiles per (app, phone), scanned-image counts and erasure. */
export function createProfilesSubgraph(deps: ProfilesDeps): SubgraphDefinition<Context> {
  const db = scopedClient(deps.prisma, 'profiles');
  const data = createProfilesData(db);
  const services = createServices({ data, bus: deps.bus, erasureWaitMs: deps.erasureWaitMs ?? 3_000 });
  return {
    name: 'profiles',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, services),
    listen: () => listenToEvents(deps.bus, services),
    seedDemoData: () => seedProfiles(db, deps.bus),
  };
}
