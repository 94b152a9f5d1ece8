import type { FastifyInstance } from 'fastify';
import type { DocumentNode } from 'graphql';
import type { RequestContext } from './server.js';

/**
 * The subgraphs of the graph, in the order they are composed, served and numbered (port 4001 + index):
 * the one list every part that iterates over subgraphs reads (composition, codegen, the server, the
 * database's per-subgraph clients). Each is also a PostgreSQL schema of the same name.
 */
export const SUBGRAPH_NAMES = ['identity', 'profiles', 'devices', 'analytics'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/**
 * Everything that makes one subgraph, assembled by its `createXSubgraph(deps)`: the SDL, the resolver
 * map, the per-request context, and its part in the process (event handlers, demo data, routes).
 */
export interface SubgraphDefinition<Context extends RequestContext = RequestContext> {
  name: SubgraphName;
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
