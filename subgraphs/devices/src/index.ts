import { loadSubgraphTypeDefs, type EventBus, type SubgraphDefinition } from '@iris/core';
import type { Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createDevicesData } from './data/devices.js';
import { seedDevices } from './data/seed.js';
import { resolvers } from './resolvers/index.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface DevicesDeps {
  prisma: Db;
  bus: EventBus;
}

/** The devices subgraph: device groups and devices (marks, modes and sharing come with them). */
export function createDevicesSubgraph(deps: DevicesDeps): SubgraphDefinition<Context> {
  const data = createDevicesData(deps.prisma);
  return {
    name: 'devices',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, deps.bus),
    seedDemoData: () => seedDevices(deps.prisma),
  };
}
