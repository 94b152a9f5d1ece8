import type { Supergraph } from '@apollo/federation-internals';
import type { ApolloServerOptionsWithGateway, ApolloServerPlugin } from '@apollo/server';
import type { Config, Logger } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import type { FormattedExecutionResult, GraphQLSchema } from 'graphql';
import type { Redis } from 'ioredis';
import type { CreateGatewayContext, GatewayContext } from './context.js';
import type { Subgraphs } from './upstream/subgraphs.js';

/** What every plugin may use once the gateway runs: its settings, its clients, and the one context builder. */
export interface GatewayRuntime {
  config: Config;
  logger: Logger;
  /** Every call to a subgraph (resilience, metrics): see `upstream/subgraphs.ts`. */
  subgraphs: Subgraphs;
  /** The gateway's shared state (rate limit counters, APQ documents), when REDIS_URL is set. */
  redis: Redis | undefined;
  /** Builds a request's context, for every transport (`context.ts`). */
  createContext: CreateGatewayContext;
  /** The API schema served now: it follows every reload of the supergraph. */
  schema(): GraphQLSchema;
  /** Runs one operation through the executor (Apollo Server), as `context`'s caller; null for a streamed answer. */
  execute(query: string, variables: Record<string, unknown>, context: GatewayContext): Promise<FormattedExecutionResult | null>;
}

/** The supergraph, read once at start and at each reload, for every plugin that follows it. */
export interface SchemaUpdate {
  apiSchema: GraphQLSchema;
  supergraph: Supergraph;
}

/**
 * One concern of the gateway, installed by one `useX(options)` function (as Hive Gateway's plugins are):
 * what it adds to Apollo Server's pipeline, to the HTTP server, and what it does when the supergraph
 * changes and at shutdown. `gateway.ts` lists them; the order of that list is the order of each kind
 * of hook (Apollo Server's plugins, Fastify's hooks of one name, schema listeners, closes).
 */
export interface GatewayPlugin {
  name: string;
  /** Apollo Server plugins, run on every operation that reaches Apollo Server (`POST /graphql`, REST). */
  apollo?: ApolloServerPlugin<GatewayContext>[];
  /** Apollo Server settings this concern owns: parsing, validation rules, batching, APQ. */
  apolloOptions?: Pick<
    ApolloServerOptionsWithGateway<GatewayContext>,
    'parseOptions' | 'validationRules' | 'allowBatchedHttpRequests' | 'persistedQueries'
  >;
  /** Fastify hooks, routes and servers (a WebSocket server on `app.server`). */
  register?(app: FastifyInstance, runtime: GatewayRuntime): void | Promise<void>;
  /** At start and at every reload of the supergraph, before any operation runs on it. */
  onSchema?(update: SchemaUpdate): void;
  /** At shutdown, before the HTTP server stops accepting: what this plugin holds open (sockets, streams). */
  close?(): void | Promise<void>;
}
