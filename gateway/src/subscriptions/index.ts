import type { AccessTokenVerifier, Config } from '@iris/core';
import { logSubscriptions } from '../observability/operationLog.js';
import type { GatewayPlugin } from '../plugin.js';
import { createOperationAdmission } from '../policy/admission.js';
import type { OperationLimits } from '../policy/limits.js';
import { resolvePersistedOperation, type PersistedOperations } from '../policy/persistedOperations.js';
import type { OperationRateLimiter } from '../policy/rateLimit.js';
import { refuseSubscriptionsOverApollo, registerHttpSubscriptions } from './httpSubscriptions.js';
import { soleSubgraph } from './planning.js';
import { subscriptionRoutes, type SubscriptionRoutes } from './routes.js';
import { createSubscriptionRunner } from './runner.js';
import { registerSseSubscriptions } from './sse.js';
import { createUpstreamSubscriptions } from './upstreamSubscriptions.js';
import { serveWebSocketSubscriptions } from './webSocket.js';

export interface SubscriptionsOptions {
  config: OperationLimits &
    Pick<
      Config,
      | 'PERSISTED_OPERATIONS_ONLY'
      | 'SUBSCRIPTION_MAX_QUEUED_EVENTS'
      | 'SUBSCRIPTION_PING_INTERVAL_MS'
      | 'SUBSCRIPTION_HEARTBEAT_INTERVAL_MS'
    >;
  /** Holds each subscriber's token to its expiry and revocations. */
  verifier: AccessTokenVerifier;
  /** The persisted operations manifest `/graphql` runs with, if any. */
  persisted: PersistedOperations | undefined;
  /** The rate limiter `/graphql` counts with: a subscription counts as one operation. */
  rateLimiter: OperationRateLimiter;
}

/**
 * Federated subscriptions (`@apollo/gateway` executes none), on three transports served by one runner:
 * graphql-ws on `/graphql` (`webSocket.ts`), GraphQL over SSE on `/graphql/stream` (`sse.ts`), and
 * multipart or SSE answers to `POST /graphql` (`httpSubscriptions.ts`). Each admits a subscribe message
 * through the one admission (`policy/admission.ts`), which applies every limit HTTP applies with the
 * same codes; the runner plans it over the routes read from the supergraph (`routes.ts`,
 * `planning.ts`) and opens it on the owning subgraph (`upstreamSubscriptions.ts`).
 */
export function useSubscriptions(options: SubscriptionsOptions): GatewayPlugin {
  const { config } = options;
  let routes: SubscriptionRoutes = new Map();
  let soleSubgraphOf: ReturnType<typeof soleSubgraph> = () => null;
  const closes: (() => void | Promise<void>)[] = [];
  return {
    name: 'subscriptions',
    // A subscription that still reaches Apollo Server is refused with the transports that serve it.
    apollo: [refuseSubscriptionsOverApollo()],
    onSchema: ({ apiSchema, supergraph }) => {
      routes = subscriptionRoutes(supergraph, apiSchema);
      soleSubgraphOf = soleSubgraph(supergraph);
    },
    register: (app, runtime) => {
      const runner = logSubscriptions(
        createSubscriptionRunner({
          execute: runtime.execute,
          routes: () => routes,
          soleSubgraphOf: (query) => soleSubgraphOf(query),
          upstream: createUpstreamSubscriptions({
            subgraphUrl: (name) => runtime.subgraphs.url(name) ?? '',
            maxBuffer: config.SUBSCRIPTION_MAX_QUEUED_EVENTS,
            timeoutMs: runtime.config.SUBGRAPH_TIMEOUT_MS,
            pingIntervalMs: config.SUBSCRIPTION_PING_INTERVAL_MS,
          }),
          verifier: options.verifier,
          createContext: runtime.createContext,
          admission: createOperationAdmission({
            schema: runtime.schema,
            limits: config,
            persisted: (request) => resolvePersistedOperation(request, options.persisted, config.PERSISTED_OPERATIONS_ONLY),
            rateLimit: (context, operation) => options.rateLimiter.admit(context, operation),
          }),
        }),
      );
      // Sockets first on shutdown, with graphql-ws's 1001 "Going away"; then the streams end.
      closes.push(serveWebSocketSubscriptions(app.server, runtime.schema, runner, config.SUBSCRIPTION_PING_INTERVAL_MS, runtime.logger));
      closes.push(registerSseSubscriptions(app, runtime.schema, runner));
      closes.push(
        registerHttpSubscriptions(app, runner, { heartbeatMs: config.SUBSCRIPTION_HEARTBEAT_INTERVAL_MS, logger: runtime.logger }),
      );
    },
    close: async () => {
      for (const close of closes) await close();
    },
  };
}
