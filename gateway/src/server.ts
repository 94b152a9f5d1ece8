import { Supergraph } from '@apollo/federation-internals';
import type { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import {
  gracefulClose,
  logUnexpectedErrors,
  maskError,
  registerHttpErrorHandlers,
  rejectNulCharacters,
  rewordRequestError,
  withoutSuggestions,
  type RunningServer,
} from '@iris/core';
import Fastify from 'fastify';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { GatewayContext } from './context.js';
import { contextOfRequest, registerGraphQLRoute, registerIncrementalDelivery, rememberContext, stringifyResult } from './engine/index.js';
import { completionErrors } from './upstream/valueCompletion.js';
import type { GatewayPlugin, GatewayRuntime } from './plugin.js';

export interface ServeOptions extends Omit<GatewayRuntime, 'schema' | 'execute'> {
  /** Executes queries and mutations over the supergraph (`upstream/executor.ts`). */
  executor: ApolloGateway;
  plugins: GatewayPlugin[];
  /** Whether introspection (and "Did you mean …" suggestions) is on. */
  introspection: boolean;
  listen: { host: string; port: number };
}

/**
 * Installs the plugins on one Fastify server and one Apollo Server: Apollo Server's plugins and
 * settings from each, in the list's order; their schema listeners at start and at every reload (the
 * supergraph read once for all of them); their routes and hooks; GraphQL over HTTP at `/graphql` with
 * the one context builder; and their `close` at shutdown, before the HTTP server stops.
 */
export async function serveGateway(options: ServeOptions): Promise<RunningServer> {
  const { config, logger, plugins, introspection } = options;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024, trustProxy: trustProxy(config.TRUST_PROXY) });
  const closeHttp = gracefulClose(app);
  registerHttpErrorHandlers(app, (err) => logger.error({ err }, 'unexpected error'));

  let apiSchema: GraphQLSchema | undefined;
  options.executor.onSchemaLoadOrUpdate(({ apiSchema: schema, coreSupergraphSdl }) => {
    apiSchema = schema;
    const update = { apiSchema: schema, supergraph: Supergraph.build(coreSupergraphSdl) };
    for (const plugin of plugins) plugin.onSchema?.(update);
  });

  // Masked here; logged with the request id by `logUnexpectedErrors`. Deferred parts are formatted alike.
  const formatError = (formatted: GraphQLFormattedError, error: unknown) => {
    const masked = maskError(rewordRequestError(formatted), error, () => {});
    return introspection ? masked : withoutSuggestions(masked);
  };
  const apollo = new ApolloServer<GatewayContext>({
    gateway: options.executor,
    introspection,
    // "Did you mean …" names fields, types and enum values: off wherever introspection is.
    hideSchemaDetailsFromClientErrors: !introspection,
    includeStacktraceInErrorResponses: false,
    formatError,
    // A subgraph's answer passed through unshaped is written as the subgraph wrote it.
    stringifyResult,
    ...Object.assign({}, ...plugins.map((plugin) => plugin.apolloOptions ?? {})),
    // Apollo's own landing page loads from a CDN; Iris serves its playground itself (playground/).
    plugins: [
      fastifyApolloDrainPlugin(app),
      ApolloServerPluginLandingPageDisabled(),
      logUnexpectedErrors<GatewayContext>(),
      rejectNulCharacters<GatewayContext>(),
      ...plugins.flatMap((plugin) => plugin.apollo ?? []),
    ],
  });
  await apollo.start();

  const runtime: GatewayRuntime = {
    config,
    logger,
    subgraphs: options.subgraphs,
    redis: options.redis,
    createContext: options.createContext,
    schema: () => apiSchema!,
    execute: async (query, variables, contextValue) => {
      const response = await apollo.executeOperation({ query, variables }, { contextValue });
      return response.body.kind === 'single' ? response.body.singleResult : null;
    },
  };
  for (const plugin of plugins) await plugin.register?.(app, runtime);
  // @defer: the first payload from Apollo Server, the deferred parts streamed after it (multipart/mixed).
  // Each part's incomplete values become errors, as the first payload's do (`valueCompletionPlugin`).
  registerIncrementalDelivery<GatewayContext>(app, {
    path: '/graphql',
    contextOf: contextOfRequest,
    formatError,
    completionErrors: ({ valueCompletion, unresolvedEntities }, errors, context) =>
      completionErrors(valueCompletion ?? [], unresolvedEntities ?? [], errors, context),
    onPartFailure: (err, context) => {
      context.logger.error({ err }, 'a deferred part failed');
      return { requestId: context.requestId };
    },
  });
  // GraphQL over HTTP: a valid query or mutation posted as JSON runs the same plugins and executor
  // without Apollo Server's HTTP layer (`engine/http.ts`); anything else goes to Apollo Server.
  registerGraphQLRoute(app, {
    apollo,
    path: '/graphql',
    handler: config.GATEWAY_HTTP_HANDLER,
    schema: () => apiSchema,
    context: async (request) =>
      rememberContext(request, await options.createContext({ headers: request.headers, clientAddress: request.ip })),
  });

  await app.listen(options.listen);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.listen.port;
  const { host } = options.listen;
  return {
    url: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}/graphql`,
    port,
    close: async () => {
      // What the plugins hold open first (sockets with graphql-ws's 1001 "Going away", streams), then
      // the HTTP server stops accepting and waits for the requests in flight (Fastify answers 503 to
      // new ones on kept-alive connections).
      for (const plugin of plugins) await plugin.close?.();
      await closeHttp();
      options.redis?.disconnect();
    },
  };
}

/** Fastify's `trustProxy` from TRUST_PROXY: `true`, a hop count, or a list of addresses / CIDRs. */
function trustProxy(value: string | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return (_address, hop) => hop < Number(value);
  return value.split(',').map((s) => s.trim());
}
