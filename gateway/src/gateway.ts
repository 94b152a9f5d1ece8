import type { AccessTokenVerifier, Config, Logger, RunningServer } from '@iris/core';
import { gatewayContextFactory } from './context.js';
import { useMetrics } from './observability/metrics.js';
import { useOperationLog } from './observability/operationLog.js';
import { useRequestId } from './observability/requestId.js';
import type { GatewayPlugin } from './plugin.js';
import { usePlayground } from './playground/routes.js';
import { ApiKeyExchange } from './policy/apiKeys.js';
import { useAuthentication } from './policy/auth.js';
import { useCors } from './policy/cors.js';
import { useOperationLimits } from './policy/limits.js';
import { useOperationResolution } from './policy/operationResolution.js';
import { PersistedOperations, usePersistedOperations } from './policy/persistedOperations.js';
import { OperationRateLimiter, useRateLimit } from './policy/rateLimit.js';
import { useScalarInputChecks } from './policy/scalars.js';
import { connectGatewayRedis } from './redis.js';
import { useRestApi } from './rest/index.js';
import { useForwardedRoutes } from './routes/forwarding.js';
import { useHealthRoutes } from './routes/health.js';
import { serveGateway } from './server.js';
import { useSubscriptions } from './subscriptions/index.js';
import { createExecutor } from './upstream/executor.js';
import { Subgraphs, type SubgraphEndpoint } from './upstream/subgraphs.js';
import { useValueCompletionErrors } from './upstream/valueCompletion.js';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  verifier: AccessTokenVerifier;
  /** Where each subgraph listens, overriding the URLs composed into the supergraph. */
  subgraphs: SubgraphEndpoint[];
  supergraphSdl?: string;
}

/**
 * The gateway, assembled, in this order:
 * 1. upstream: every call to a subgraph through one path, its resilience and metrics (`Subgraphs`),
 *    and the executor over the composed supergraph (`@apollo/gateway`, SUPERGRAPH_PATH reloaded on change);
 * 2. shared state (Redis, when REDIS_URL is set) and the policy objects several plugins share: the
 *    app-key exchange with identity, the persisted operations manifest, the rate limiter;
 * 3. the one context builder every transport uses (`context.ts`);
 * 4. the plugins, one per concern, in the order their hooks run:
 *    scalar input checks, authentication reasons, value completion errors, request ids, CORS,
 *    operation resolution, subscriptions (graphql-ws, SSE, multipart; one admission), persisted
 *    operations, operation limits, rate limits, the playground, health, forwarded subgraph routes,
 *    the REST API, metrics, and last the operation log;
 * 5. the server (`server.ts`): Fastify and Apollo Server with those plugins, GraphQL at `/graphql`.
 */
export async function startGateway(options: GatewayOptions, listen: { host: string; port: number }): Promise<RunningServer> {
  const { config, logger, verifier } = options;
  const subgraphs = new Subgraphs(options.subgraphs, config);
  const executor = createExecutor({ config, logger, subgraphs, supergraphSdl: options.supergraphSdl });

  const redis = connectGatewayRedis(config, logger);
  const apiKeys = new ApiKeyExchange(subgraphs);
  const persisted = PersistedOperations.fromConfig(config);
  const rateLimiter = new OperationRateLimiter(config, redis);

  const createContext = gatewayContextFactory({ verifier, apiKeys, logger });

  const plugins: GatewayPlugin[] = [
    useScalarInputChecks(),
    useAuthentication(),
    useValueCompletionErrors(),
    useRequestId(),
    useCors(config),
    useOperationResolution(),
    useSubscriptions({ config, verifier, persisted, rateLimiter }),
    usePersistedOperations(persisted, config, redis),
    useOperationLimits(config),
    useRateLimit(rateLimiter),
    usePlayground(config.PLAYGROUND ?? config.NODE_ENV !== 'production'),
    useHealthRoutes(),
    useForwardedRoutes([
      { method: 'POST', url: '/webhooks/payments', subgraph: 'identity' },
      { method: 'PUT', url: '/uploads/captures/*', subgraph: 'devices' },
      { method: 'GET', url: '/media/captures/:id', subgraph: 'devices' },
    ]),
    useRestApi(),
    useMetrics(config.METRICS),
    useOperationLog({ metrics: config.METRICS }),
  ];

  return serveGateway({
    config,
    logger,
    subgraphs,
    redis,
    createContext,
    executor,
    plugins,
    introspection: config.INTROSPECTION ?? config.NODE_ENV !== 'production',
    listen,
  });
}
