import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import { maskError, observabilityPlugins, withoutSuggestions, type AccessTokenVerifier, type Config, type Logger, type RunningServer } from '@iris/core';
import Fastify from 'fastify';
import { gracefulClose, logUnexpectedErrors, registerHttpErrorHandlers, rejectNulCharacters } from '@iris/core';
import { Redis } from 'ioredis';
import type { GraphQLSchema } from 'graphql';
import type { GatewayContext } from './context.js';
import { ApiKeyExchange } from './policy/apiKeys.js';
import { authenticateRequest, credentialRefusalPlugin } from './policy/auth.js';
import { registerHealthRoutes, type SubgraphEndpoint } from './routes/health.js';
import { requestIdOf, requestIdOnInternalErrors, useRequestIdHeader } from './observability/requestId.js';
import { costLimitPlugin, limitParseOptions, limitValidationRules, registerRequestLimits } from './policy/limits.js';
import { createOperationAdmission } from './policy/admission.js';
import { refuseSubscriptionsOverApollo, registerHttpSubscriptions } from './subscriptions/httpSubscriptions.js';
import { OperationRateLimiter, rateLimitPlugin } from './policy/rateLimit.js';
import { checkScalarInput } from './policy/scalars.js';
import { apqOptions, PersistedOperations, registerPersistedOperations, resolvePersistedOperation } from './policy/persistedOperations.js';
import { SubgraphResilience } from './upstream/resilience.js';
import { logRefusedRequests, logSubscriptions, observeSubgraph, registerMetricsRoute } from './observability/operationLog.js';
import { createSubgraphFetcher, SubgraphDataSource } from './upstream/subgraphDataSource.js';
import { createSubscriptionRunner, registerSseSubscriptions, serveWebSocketSubscriptions, soleSubgraph, subscriptionRoutes } from './subscriptions/subscriptions.js';
import { createUpstreamSubscriptions } from './subscriptions/upstreamSubscriptions.js';
import { registerForwardedRoutes } from './routes/forwarding.js';
import { useCors } from './policy/cors.js';
import { requireResolvedOperation } from './policy/operationResolution.js';
import { registerPlayground } from './playground/routes.js';
import { watchSupergraphFile } from './upstream/supergraphFile.js';
import { useValueCompletionErrors } from './upstream/valueCompletion.js';
import { registerClientLogout } from './rest/clientLogout.js';
import { registerProfilesRestApi, type Execute } from './rest/profilesApi.js';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  verifier: AccessTokenVerifier;
  /** Where each subgraph listens, overriding the URLs composed into the supergraph. */
  subgraphs: SubgraphEndpoint[];
  supergraphSdl?: string;
}

/**
 * The gateway, assembled: the composed supergraph from `schema/`, the subgraph data sources that
 * forward credentials, request ids, error masking, and health routes. Each concern lives in
 * `plugins/`; this file only puts them together.
 */
export async function startGateway(options: GatewayOptions, listen: { host: string; port: number }): Promise<RunningServer> {
  const { config, logger } = options;
  const urls = new Map(options.subgraphs.map((s) => [s.name, s.url]));
  // SUPERGRAPH_PATH, loaded again whenever the file changes (upstream/supergraphFile.ts).
  const supergraph = options.supergraphSdl ?? watchSupergraphFile(config.SUPERGRAPH_PATH, logger);
  // @apollo/gateway otherwise reports usage data to Apollo and probes cloud metadata servers (AWS, GCP,
  // Azure, Alibaba) at start. Iris sends nothing anywhere unless its operator asks to.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  // One Redis connection for the gateway's shared state (rate limit counters, APQ documents). It never
  // queues commands while disconnected, so an outage falls back at once instead of stalling requests.
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis unavailable: rate limits count in memory, APQ misses'));
  const resilience = new Map(
    options.subgraphs.map(({ name }) => [
      name,
      new SubgraphResilience(name, {
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        breakerFailures: config.SUBGRAPH_BREAKER_FAILURES,
        breakerResetMs: config.SUBGRAPH_BREAKER_RESET_MS,
      }),
    ]),
  );
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph,
    buildService: ({ name, url }) =>
      observeSubgraph(name, new SubgraphDataSource({ url: urls.get(name) ?? url, gatewaySecret: config.GATEWAY_SECRET, ...(resilience.has(name) ? { fetcher: resilience.get(name)!.wrap(createSubgraphFetcher()) } : {}) }), { metrics: config.METRICS }),
    logger,
  });
  let apiSchema: GraphQLSchema | undefined;
  let routes: ReturnType<typeof subscriptionRoutes> = new Map();
  let soleSubgraphOf: ReturnType<typeof soleSubgraph> = () => null;
  // At start and at every reload of the supergraph: the subscription routes and planner follow it.
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema, coreSupergraphSdl }) => {
    checkScalarInput(schema);
    apiSchema = schema;
    routes = subscriptionRoutes(coreSupergraphSdl, schema);
    soleSubgraphOf = soleSubgraph(coreSupergraphSdl);
  });

  const apiKeys = new ApiKeyExchange(urls.get('identity') ?? '');

  const rateLimiter = new OperationRateLimiter(config, redis);
  const persisted = config.PERSISTED_OPERATIONS_FILE ? PersistedOperations.fromFile(config.PERSISTED_OPERATIONS_FILE) : undefined;

  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024, trustProxy: trustProxy(config.TRUST_PROXY) });
  const closeHttp = gracefulClose(app);
  registerHttpErrorHandlers(app, (err) => logger.error({ err }, 'unexpected error'));
  useRequestIdHeader(app);
  logRefusedRequests(app, logger);
  await useCors(app, config);
  const introspection = config.INTROSPECTION ?? config.NODE_ENV !== 'production';
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection,
    // "Did you mean …" names fields, types and enum values: off wherever introspection is.
    hideSchemaDetailsFromClientErrors: !introspection,
    includeStacktraceInErrorResponses: false,
    // Masked here; logged with the request id by `logUnexpectedErrors`.
    formatError: (formatted, error) => {
      const masked = maskError(formatted, error, () => {});
      return introspection ? masked : withoutSuggestions(masked);
    },
    parseOptions: limitParseOptions(config),
    validationRules: limitValidationRules(config),
    allowBatchedHttpRequests: config.MAX_BATCH_SIZE > 1,
    persistedQueries: apqOptions(config, redis),
    // Apollo's own landing page loads from a CDN; Iris serves its playground itself (playground/routes.ts).
    plugins: [
      fastifyApolloDrainPlugin(app),
      ApolloServerPluginLandingPageDisabled(),
      logUnexpectedErrors<GatewayContext>(),
      rejectNulCharacters<GatewayContext>(),
      credentialRefusalPlugin(),
      useValueCompletionErrors<GatewayContext>(),
      requestIdOnInternalErrors<GatewayContext>(),
      requireResolvedOperation<GatewayContext>(),
      refuseSubscriptionsOverApollo<GatewayContext>(),
      costLimitPlugin(config.MAX_QUERY_COST),
      rateLimitPlugin(rateLimiter),
      // A line per operation at info (the subgraphs' are at debug): a request is one line.
      ...observabilityPlugins<GatewayContext>('gateway', { metrics: config.METRICS, operationLog: { level: 'info', markResponses: true } }),
    ],
  });
  await apollo.start();

  if (config.METRICS) registerMetricsRoute(app);
  registerHealthRoutes(app, options.subgraphs, (name) => resilience.get(name)?.state);
  registerPersistedOperations(app, persisted, config.PERSISTED_OPERATIONS_ONLY);
  registerRequestLimits(app, config);
  if (config.PLAYGROUND ?? config.NODE_ENV !== 'production') registerPlayground(app);
  const origin = (name: string) => new URL(urls.get(name) ?? 'http://127.0.0.1').origin;
  registerForwardedRoutes(app, [
    { method: 'POST', url: '/webhooks/payments', target: origin('identity') },
    { method: 'PUT', url: '/uploads/captures/*', target: origin('devices') },
    { method: 'GET', url: '/media/captures/:id', target: origin('devices') },
  ]);
  await app.register(fastifyApollo(apollo), {
    path: '/graphql',
    context: async (request): Promise<GatewayContext> => {
      const requestId = requestIdOf(request.headers);
      const { auth, forwardHeaders } = await authenticateRequest(options.verifier, apiKeys, request.headers, requestId);
      return { requestId, logger: logger.child({ requestId }), auth, forwardHeaders, clientAddress: request.ip };
    },
  });

  // REST routes run GraphQL operations as their caller, authenticated as /graphql authenticates.
  const executeAsCaller: Execute = async (query, variables, { headers, ip: clientAddress }) => {
    const requestId = requestIdOf(headers);
    const { auth, forwardHeaders } = await authenticateRequest(options.verifier, apiKeys, headers, requestId);
    const response = await apollo.executeOperation(
      { query, variables },
      { contextValue: { requestId, logger: logger.child({ requestId }), auth, forwardHeaders, clientAddress } },
    );
    return response.body.kind === 'single' ? response.body.singleResult : { errors: [{ message: 'Unexpected streamed response.' }] };
  };
  registerProfilesRestApi(app, executeAsCaller);
  registerClientLogout(app, executeAsCaller);

  const subscriptions = logSubscriptions(createSubscriptionRunner({
    apollo,
    routes: () => routes,
    soleSubgraphOf: (query) => soleSubgraphOf(query),
    upstream: createUpstreamSubscriptions({ subgraphUrl: (name) => urls.get(name) ?? '', maxBuffer: config.SUBSCRIPTION_MAX_QUEUED_EVENTS }),
    verifier: options.verifier,
    apiKeys,
    logger,
    // Every transport admits a subscription with every limit HTTP applies, with the same codes.
    admission: createOperationAdmission({
      schema: () => apiSchema!,
      limits: config,
      persisted: (request) => resolvePersistedOperation(request, persisted, config.PERSISTED_OPERATIONS_ONLY),
      rateLimit: (context, operation) => rateLimiter.admit(context, operation),
    }),
  }));
  const stopSubscriptions = serveWebSocketSubscriptions(app.server, () => apiSchema!, subscriptions, config.SUBSCRIPTION_PING_INTERVAL_MS, logger);
  const endStreams = registerSseSubscriptions(app, () => apiSchema!, subscriptions);
  const endHttpSubscriptions = registerHttpSubscriptions(app, subscriptions, { heartbeatMs: config.SUBSCRIPTION_HEARTBEAT_INTERVAL_MS, logger });

  await app.listen(listen);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  return {
    url: `http://${listen.host === '0.0.0.0' || listen.host === '::' ? 'localhost' : listen.host}:${port}/graphql`,
    port,
    close: async () => {
      // Sockets first, with graphql-ws's 1001 "Going away", then the HTTP server stops accepting and
      // waits for the requests in flight (Fastify answers 503 to new ones on kept-alive connections).
      await stopSubscriptions();
      endStreams();
      endHttpSubscriptions();
      await closeHttp();
      redis?.disconnect();
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
