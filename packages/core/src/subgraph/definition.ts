import type { FastifyInstance } from 'fastify';
import type { DocumentNode } from 'graphql';
import type { RequestContext } from './server.js';

/**
 * Everything that makes one subgraph, assembled by its `createXSubgraph(deps)`: the SDL, the resolver
 * map, the per-request context, and its part in the process (event handlers, demo data, routes).
 */
export interface SubgraphDefinition<Context extends RequestContext = RequestContext> {
  name: 'identity' | 'profiles' | 'devices' | 'analytics';
  typeDefs: DocumentNode;
  resolvers: object;
  createContext: (base: RequestContext) => Context | Promise<Context>;
  /** Starts the subgraph's event handlers; returns a function that stops them. */
  listen?: () => () => void | Promise<void>;
  /** Writes the demo data of this subgraph's tables (idempotent). */
  seedDemoData?: () => Promise<void>;
  /** Extra HTTP routes beside `/graphql` (identity serves its JWKS). */
  routes?: (app: FastifyInstance) => void;
}
