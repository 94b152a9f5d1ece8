import { setTimeout as sleep } from 'node:timers/promises';
import { loadSubgraphTypeDefs, type EventBus, type Logger, type SubgraphDefinition } from '@iris/core';
import { Outbox, scopedClient, type Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createProfilesData } from './data/profiles.js';
import { seedProfiles } from './data/seed.js';
import { listenToEvents } from './events.js';
import { resolvers } from './resolvers/index.js';
import { createServices } from './services/index.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

/**
 * How long a read of an app profiles does not know yet waits for this process's deliveries in flight
 * (identity's link of a just-registered app) before answering NOT_FOUND.
 */
const REPLICATION_GRACE_MS = 1_000;

export interface ProfilesDeps {
  prisma: Db;
  bus: EventBus;
  logger: Logger;
  /** How long an erasure waits for the other subgraphs' reports before answering with them pending. */
  erasureWaitMs?: number;
}

/** The profiles subgraph: audience profiles per (app, phone), scanned-image counts and erasure. */
export function createProfilesSubgraph(deps: ProfilesDeps): SubgraphDefinition<Context> {
  const db = scopedClient(deps.prisma, 'profiles');
  const data = createProfilesData(db);
  const outbox = new Outbox({ prisma: db, bus: deps.bus, source: 'profiles', logger: deps.logger });
  const services = createServices({
    data,
    outbox,
    erasureWaitMs: deps.erasureWaitMs ?? 3_000,
    replicationSettled: () => Promise.race([deps.bus.drain(), sleep(REPLICATION_GRACE_MS, undefined, { ref: false })]),
  });
  return {
    name: 'profiles',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, services),
    listen: () => {
      // The relay publishes this subgraph's committed events: at once after each commit here, and what
      // another instance left behind.
      outbox.start();
      const stop = listenToEvents(deps.bus, services, db);
      return async () => {
        stop();
        await outbox.stop();
      };
    },
    seedDemoData: () => seedProfiles(db, outbox),
  };
}
