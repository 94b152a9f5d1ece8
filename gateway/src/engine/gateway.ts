import { createHash } from 'node:crypto';
import {
  ApolloGateway,
  buildOperationContext,
  type GatewayConfig,
  type GraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { QueryPlan, QueryPlanner } from '@apollo/query-planner';
import { getVariableValues, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { SubgraphClients } from './client.js';
import { withDeferLabels } from './defer.js';
import { acceptsIncrementalDelivery, handOffSubsequentPayloads, streamsIncrementally } from './incremental.js';
import { PlanEngine, type SubgraphFetch } from './plan.js';

type Executor = ApolloGateway['executor'];
type RequestContext = Parameters<Executor>[0];

/** The members of ApolloGateway this executor reads: its loaded schemas, planner, plan cache and data sources. */
interface GatewayInternals {
  schema?: GraphQLSchema;
  apiSchema?: Schema;
  supergraphSchema?: GraphQLSchema;
  queryPlanner?: QueryPlanner;
  queryPlanStore: { get(key: string): Promise<QueryPlan | undefined>; set(key: string, plan: QueryPlan): Promise<void> };
  serviceMap: Record<string, { dataSource: GraphQLDataSource; url?: string }>;
  config: GatewayConfig & { __exposeQueryPlanExperimental?: boolean };
  recursiveSelectionsLimitDisabled: boolean;
  nonLocalSelectionsLimitDisabled: boolean;
  experimental_didResolveQueryPlan?: unknown;
}

export type GatewayExecutorKind = 'apollo' | 'iris';

export interface EngineGatewayOptions {
  /**
   * A direct client per subgraph (`createHttpSubgraphClient`), which the engine calls instead of the
   * data source's `process()`: it must do what that data source does (headers, resilience, metrics).
   */
  subgraphClients?: SubgraphClients;
  /**
   * Whether a result reports the entities a subgraph answered null for, in
   * `extensions.unresolvedEntities` (a deferred part's, in its own): @apollo/gateway leaves such an
   * entity's fields from other subgraphs null without a word, and a server that explains them to its
   * clients turns these on. Off by default.
   */
  reportUnresolvedEntities?: boolean;
}

/**
 * An ApolloGateway whose plans run on Iris's engine. Loading, validation of variables, planning and the
 * plan cache stay @apollo/gateway's. Fetches go to the subgraph's direct client when one is given
 * (`subgraphClients`), else through its data source's `process()`, so whatever that does (credential
 * forwarding, resilience, metrics) is unchanged. What the engine does not run (subscriptions, traced
 * requests, the query plan debug header) goes to the stock executor. @defer is the engine's alone: its
 * API schema declares the directive, which the stock gateway's does not.
 */
export class EngineGateway extends ApolloGateway {
  #engine: { supergraph: GraphQLSchema; engine: PlanEngine } | undefined;
  readonly #clients: SubgraphClients | undefined;
  readonly #reportUnresolvedEntities: boolean;
  readonly #storeKeys = new Map<string, string>();
  /** Whether this @apollo/gateway holds what the engine reads of it, checked at the first request. */
  #readsInternals: boolean | undefined;

  constructor(config?: GatewayConfig, options: EngineGatewayOptions = {}) {
    // The engine runs @defer: the planner plans deferred blocks, and the API schema declares @defer.
    super({ ...config, queryPlannerConfig: { ...config?.queryPlannerConfig, incrementalDelivery: { enableDefer: true } } });
    this.#clients = options.subgraphClients;
    this.#reportUnresolvedEntities = options.reportUnresolvedEntities ?? false;
    const stock = this.executor;
    this.executor = (requestContext) => this.#execute(requestContext, stock);
    const internals = this as unknown as {
      updateWithSchemaAndNotify(supergraph: { apiSchema(): Schema }, ...rest: unknown[]): void;
    };
    const update = internals.updateWithSchemaAndNotify;
    // Another @apollo/gateway than the pinned one: no @defer in the API schema (see `readsInternals`).
    if (typeof update !== 'function') return;
    internals.updateWithSchemaAndNotify = function (this: unknown, supergraph, ...rest) {
      const api = supergraph.apiSchema();
      const toGraphQLJSSchema = api.toGraphQLJSSchema.bind(api);
      api.toGraphQLJSSchema = (options) => toGraphQLJSSchema({ includeDefer: true, ...options });
      return update.call(this, supergraph, ...rest);
    };
  }

  /** @apollo/gateway's plan cache key of a named operation (a hash of both), remembered per document and name. */
  #storeKey(queryHash: string, operationName: string): string {
    const key = `${queryHash}\u0000${operationName}`;
    let storeKey = this.#storeKeys.get(key);
    if (storeKey === undefined) {
      storeKey = createHash('sha256').update(queryHash).update(operationName).digest('hex');
      if (this.#storeKeys.size >= 10_000) this.#storeKeys.clear();
      this.#storeKeys.set(key, storeKey);
    }
    return storeKey;
  }

  #engineFor(internals: GatewayInternals): PlanEngine {
    // A new supergraph (a reload) brings new schemas: the engine and its compiled plans follow them.
    let current = this.#engine;
    if (current?.supergraph !== internals.supergraphSchema) {
      current = this.#engine = {
        supergraph: internals.supergraphSchema!,
        engine: new PlanEngine(
          { supergraph: internals.supergraphSchema!, api: internals.apiSchema!, apiGraphQL: internals.schema! },
          { reportUnresolvedEntities: this.#reportUnresolvedEntities },
        ),
      };
    }
    return current!.engine;
  }

  async #execute(requestContext: RequestContext, stock: Executor): ReturnType<Executor> {
    const internals = this as unknown as GatewayInternals;
    const { request, document, queryHash } = requestContext;
    if (!(this.#readsInternals ??= readsInternals(internals, requestContext.logger))) return stock(requestContext);
    if (requestContext.metrics?.captureTraces) return stock(requestContext);
    if (internals.config.__exposeQueryPlanExperimental && request.http?.headers?.get('Apollo-Query-Plan-Experimental'))
      return stock(requestContext);
    if (internals.experimental_didResolveQueryPlan) return stock(requestContext);

    const storeKey = request.operationName ? this.#storeKey(queryHash, request.operationName) : queryHash;
    const operationContext = buildOperationContext({
      schema: internals.schema!,
      operationDocument: document,
      operationName: request.operationName,
    });
    // What @apollo/gateway's validateIncomingRequest does, without opening a tracing span per request.
    const variableDefinitions = operationContext.operation.variableDefinitions;
    if (variableDefinitions?.length) {
      const { errors } = getVariableValues(internals.schema!, variableDefinitions, request.variables ?? {});
      if (errors) return { errors: errors as never };
    }

    let plan = await internals.queryPlanStore.get(storeKey);
    if (!plan) {
      const { operation } = withDeferLabels(
        operationFromDocument(internals.apiSchema!, document, { operationName: request.operationName }),
      );
      const options = {
        recursiveSelectionsLimitDisabled: internals.recursiveSelectionsLimitDisabled,
        nonLocalSelectionsLimitDisabled: internals.nonLocalSelectionsLimitDisabled,
      };
      try {
        plan = internals.queryPlanner!.buildQueryPlan(operation, options);
      } catch (error) {
        // The planner refuses a few shapes of nested @defer (an assertion): the operation without them.
        const plain = operation.withoutDefer();
        if (plain.toString() === operation.toString()) throw error;
        requestContext.logger?.warn(`@defer could not be planned, the operation is run without it: ${(error as Error)?.message ?? error}`);
        plan = internals.queryPlanner!.buildQueryPlan(plain, options);
      }
      try {
        await internals.queryPlanStore.set(storeKey, plan);
      } catch (err) {
        requestContext.logger?.warn(`Could not store queryPlan${(err as Error)?.message ?? err}`);
      }
    }
    if (!PlanEngine.supports(plan)) return stock(requestContext);
    const incremental =
      PlanEngine.defers(plan) &&
      acceptsIncrementalDelivery(request.http?.headers.get('accept')) &&
      streamsIncrementally(requestContext.context);
    // A client that does not read incremental responses, or a transport that cannot stream them (an
    // operation the gateway runs itself: a subscription's event, REST), gets the operation planned
    // without its @defer (the GraphQL spec lets a server ignore it): one complete result.
    if (PlanEngine.defers(plan) && !incremental) plan = await this.#planWithoutDefer(internals, storeKey, document, request.operationName);

    const engine = this.#engineFor(internals);
    const compiled = engine.compile(plan, operationContext.operation, operationContext.fragments);
    const clients = this.#clients;
    const policy = requestContext.overallCachePolicy as { restrict?: (hint: { maxAge: number }) => void } | undefined;
    const call = {
      context: requestContext.context,
      restrictCachePolicy: policy && 'restrict' in policy ? (hint: { maxAge: number }) => policy.restrict!(hint) : undefined,
    };
    const fetch: SubgraphFetch = async (serviceName, subrequest) => {
      let response: Awaited<ReturnType<SubgraphFetch>>;
      const service = internals.serviceMap[serviceName];
      if (!service) throw new Error(`Couldn't find service with name "${serviceName}"`);
      const client = clients?.(serviceName, service.url);
      if (client) {
        response = await client(subrequest, call);
      } else {
        response = await service.dataSource.process({
          // GraphQLDataSourceRequestKind.INCOMING_OPERATION (an enum @apollo/gateway does not export).
          kind: 'incoming operation' as never,
          request: { query: subrequest.query, variables: subrequest.variables, operationName: subrequest.operationName },
          incomingRequestContext: requestContext,
          context: requestContext.context,
          document: subrequest.document,
          pathInIncomingRequest: subrequest.path as never,
        } as GraphQLDataSourceProcessOptions);
      }
      if (response.errors && !response.extensions?.ftv1 && requestContext.metrics) {
        const paths = response.errors.map((error) => ({ subgraph: serviceName, path: error.path }));
        const metrics = requestContext.metrics as { nonFtv1ErrorPaths?: typeof paths };
        if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
        else metrics.nonFtv1ErrorPaths = paths;
      }
      return response;
    };
    // A client that reads multipart/mixed;deferSpec=20220824 gets the deferred parts after the first
    // payload, through the transport (`takeSubsequentPayloads`); any other gets them in one result.
    if (incremental) {
      const { initial, subsequent } = await engine.executeIncrementally(compiled, request.variables, fetch);
      if (subsequent) handOffSubsequentPayloads(requestContext.context, subsequent);
      return initial as never;
    }
    return (await engine.execute(compiled, request.variables, fetch)) as never;
  }

  async #planWithoutDefer(
    internals: GatewayInternals,
    storeKey: string,
    document: DocumentNode,
    operationName: string | null | undefined,
  ): Promise<QueryPlan> {
    const key = `${storeKey}:without-defer`;
    let plan = await internals.queryPlanStore.get(key);
    if (!plan) {
      const operation = operationFromDocument(internals.apiSchema!, document, { operationName: operationName ?? undefined }).withoutDefer();
      plan = internals.queryPlanner!.buildQueryPlan(operation, {
        recursiveSelectionsLimitDisabled: internals.recursiveSelectionsLimitDisabled,
        nonLocalSelectionsLimitDisabled: internals.nonLocalSelectionsLimitDisabled,
      });
      await internals.queryPlanStore.set(key, plan).catch(() => {});
    }
    return plan;
  }
}

/**
 * Whether `internals` are what the engine reads of @apollo/gateway (pinned: 2.14.4). If a version holds
 * them otherwise, every request goes to its own executor, which is slower but answers the same.
 */
export function readsInternals(internals: GatewayInternals, logger: RequestContext['logger'] | undefined): boolean {
  const reads =
    !!internals.schema &&
    !!internals.apiSchema &&
    !!internals.supergraphSchema &&
    typeof internals.queryPlanner?.buildQueryPlan === 'function' &&
    typeof internals.queryPlanStore?.get === 'function' &&
    typeof internals.queryPlanStore?.set === 'function' &&
    typeof internals.serviceMap === 'object' &&
    typeof internals.config === 'object';
  if (!reads)
    logger?.warn(
      '@apollo/gateway does not hold its state as this engine expects (it reads 2.14.4): every operation runs on its own executor',
    );
  return reads;
}

/** The gateway for GATEWAY_EXECUTOR: @apollo/gateway's own executor (`apollo`) or Iris's engine (`iris`). */
export function createGateway(
  config: GatewayConfig,
  executor: GatewayExecutorKind = gatewayExecutorFromEnv(),
  options: EngineGatewayOptions = {},
): ApolloGateway {
  return executor === 'iris' ? new EngineGateway(config, options) : new ApolloGateway(config);
}

export function gatewayExecutorFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayExecutorKind {
  const value = env.GATEWAY_EXECUTOR ?? 'iris';
  if (value !== 'apollo' && value !== 'iris') throw new Error(`GATEWAY_EXECUTOR must be "apollo" or "iris", not "${value}"`);
  return value;
}
