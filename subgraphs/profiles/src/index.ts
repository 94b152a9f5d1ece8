import { loadSubgraphTypeDefs, type SubgraphDefinition } from '@iris/core';
import type { Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createProfilesData } from './data/profiles.js';
import { seedProfiles } from './data/seed.js';
import { resolvers } from './resolvers/index.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface ProfilesDeps {
  prisma: Db;
}

/** The profiles subgraph: audience profiles per (app, phone). */
export function createProfilesSubgraph(deps: ProfilesDeps): SubgraphDefinition<Context> {
  const data = createProfilesData(deps.prisma);
  return {
    name: 'profiles',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data),
    seedDemoData: () => seedProfiles(deps.prisma),
  };
}
