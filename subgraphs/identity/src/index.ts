import type { Config, SubgraphDefinition, TokenKeys } from '@iris/core';
import { loadSubgraphTypeDefs, publicJwks } from '@iris/core';
import type { Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createIdentityData } from './data/index.js';
import { seedIdentity } from './data/seed.js';
import { resolvers } from './resolvers/index.js';
import { createSignIn } from './sign-in.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface IdentityDeps {
  prisma: Db;
  config: Config;
  keys: TokenKeys;
  clock?: () => Date;
}

/** The identity subgraph: accounts, users, apps and sign-in. It alone holds the signing key. */
export function createIdentitySubgraph(deps: IdentityDeps): SubgraphDefinition<Context> {
  const data = createIdentityData(deps.prisma);
  const signIn = createSignIn(data, deps.keys, deps.config, deps.clock);
  return {
    name: 'identity',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, signIn),
    seedDemoData: () => seedIdentity(deps.prisma),
    routes: (app) => {
      app.get('/.well-known/jwks.json', async () => publicJwks(deps.keys));
    },
  };
}
export { hashPassword } from './data/passwords.js';
