import { STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import {
  credentialEndedReason,
  FellBehindError,
  logRefusedRequest,
  returnPromptly,
  trackSubscription,
  unauthenticated,
  type AuthState,
  type AccessTokenVerifier,
  type CredentialError,
  type CredentialWatch,
  type Logger,
  type Principal,
} from '@iris/core';
import {
  GraphQLError,
  Kind,
  print,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import type { OperationArgs, Response as SseResponse } from 'graphql-sse';
import { createHandler as createSseHandler } from 'graphql-sse/lib/use/fastify';
import type { FastifyInstance } from 'fastify';
import WebSocket, { WebSocketServer } from 'ws';
import type { GatewayContext } from '../context.js';
import type { ApiKeyExchange } from '../policy/apiKeys.js';
import { credentialCloseReason, refusedCredentials, type Admission, type OperationAdmission, type OperationRequest, type RefusedOperation } from '../policy/admission.js';
import { APP_CREDENTIAL_HEADERS, authenticateRequest } from '../policy/auth.js';
import { requestIdOf } from '../observability/requestId.js';
import { UpstreamRefusal, type UpstreamEvent, type UpstreamSubscriptions } from './upstreamSubscriptions.js';

/** A subscription root field: the subgraph that owns it and the Query field that looks up its entity by id. */
interface SubscriptionRoute {
  subgraph: string;
  lookupField: string;
}

/**
 * Reads, from the composed supergraph, which subgraph owns each Subscription field, and pairs each
 * with the Query field that fetches its (entity) type by id: `deviceMarkCreated: DeviceMark!` with
 * `deviceMark(id: ID!)`. A subscription field without such a lookup is a start-up error.
 */
export function subscriptionRoutes(supergraphSdl: string, apiSchema: GraphQLSchema): Map<string, SubscriptionRoute> {
  const routes = new Map<string, SubscriptionRoute>();
  const subscription = apiSchema.getSubscriptionType();
  if (!subscription) return routes;
  const graphNames = new Map<string, string>();
  for (const match of supergraphSdl.matchAll(/^\s*(\w+) @join__graph\(name: "(\w+)"/gm)) graphNames.set(match[1]!, match[2]!);
  const owner = /type Subscription\s+@join__type\(graph: (\w+)\)/.exec(supergraphSdl)?.[1];
  const query = apiSchema.getQueryType()!.getFields();
  for (const field of Object.values(subscription.getFields())) {
    const typeName = field.type.toString().replace(/[[\]!]/g, '');
    const lookupField = typeName.charAt(0).toLowerCase() + typeName.slice(1);
    if (!query[lookupField] || !query[lookupField].args.some((a) => a.name === 'id')) {
      throw new Error(`Subscription.${field.name} returns ${typeName}, but there is no Query.${lookupField}(id: ID!) to resolve its events`);
    }
    routes.set(field.name, { subgraph: graphNames.get(owner ?? '') ?? 'devices', lookupField });
  }
  return routes;
}

/**
 * For a supergraph, the subgraph that answers a query with one fetch and nothing else, by the same
 * query planner the gateway uses; null when the plan needs several subgraphs (or cannot be made).
 */
export function soleSubgraph(supergraphSdl: string): (query: DocumentNode) => string | null {
  const supergraph = Supergraph.build(supergraphSdl);
  const planner = new QueryPlanner(supergraph);
  return (query) => {
    try {
      const node = planner.buildQueryPlan(operationFromDocument(supergraph.schema, query)).node;
      return node?.kind === 'Fetch' ? node.serviceName : null;
    } catch {
      return null;
    }
  };
}

/** The variables a piece of a document uses. */
function usedVariables(node: FieldNode | FragmentDefinitionNode | readonly FragmentDefinitionNode[]): Set<string> {
  const names = new Set<string>();
  const nodes = Array.isArray(node) ? node : [node];
  for (const n of nodes) visit(n, { Variable: (v) => void names.add(v.name.value) });
  return names;
}

const keep = (definitions: readonly VariableDefinitionNode[], names: Set<string>) => definitions.filter((d) => names.has(d.variable.name.value));

interface Plan {
  route: SubscriptionRoute;
  /**
   * Sent to the owning subgraph: the root field with the client's arguments, asking only for `id`;
   * or, when that subgraph answers the whole selection alone (`perEvent` null), the client's operation.
   */
  upstream: string;
  /** Run through the gateway's query planner for each event: the client's selection on the entity. */
  perEvent: string | null;
  responseKey: string;
  /** The client's root field, arguments included. */
  root: FieldNode;
}

/**
 * Splits a client's subscription in two: the root field, opened on the owning subgraph for keys only,
 * and the client's whole selection, resolved for each event by the gateway's normal federated query
 * planning (the owning subgraph's own fields and `_entities` calls to the others).
 */
export function planSubscription(
  document: DocumentNode,
  operationName: string | null | undefined,
  routes: Map<string, SubscriptionRoute>,
  soleSubgraphOf: (query: DocumentNode) => string | null = () => null,
): Plan | GraphQLError {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return new GraphQLError('No such operation in the document.');
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const roots = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
  if (roots.length !== 1 || operation.selectionSet.selections.length !== 1) {
    return new GraphQLError('A subscription selects exactly one root field.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const root = roots[0]!;
  const route = routes.get(root.name.value);
  if (!route) return new GraphQLError(`Unknown subscription field ${root.name.value}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  const variables = operation.variableDefinitions ?? [];
  const argumentsOnly: FieldNode = { ...root, alias: undefined, selectionSet: { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'id' } }] } };
  const upstream: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, name: undefined, directives: [], variableDefinitions: keep(variables, usedVariables(argumentsOnly)), selectionSet: { kind: Kind.SELECTION_SET, selections: [argumentsOnly] } }],
  };
  const selectionOnly: FieldNode = { ...root, arguments: [], directives: [] };
  const selectionVariables = usedVariables(selectionOnly);
  for (const name of usedVariables(fragments)) selectionVariables.add(name);
  const idVariable: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'irisEventId' } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const lookup: FieldNode = {
    ...selectionOnly,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: route.lookupField },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'irisEventId' } } }],
  };
  const perEvent: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      { kind: Kind.OPERATION_DEFINITION, operation: 'query' as never, variableDefinitions: [idVariable, ...keep(variables, selectionVariables)], selectionSet: { kind: Kind.SELECTION_SET, selections: [lookup] } },
      ...fragments,
    ],
  };
  const responseKey = root.alias?.value ?? root.name.value;
  // A selection the owning subgraph answers alone goes to it whole: its events need no query of their own.
  if (soleSubgraphOf(perEvent) === route.subgraph) {
    const whole: DocumentNode = { kind: Kind.DOCUMENT, definitions: [{ ...operation, name: undefined }, ...fragments] };
    return { route, upstream: print(whole), perEvent: null, responseKey, root };
  }
  return { route, upstream: print(upstream), perEvent: print(perEvent), responseKey, root };
}

interface ConnectionState {
  context: GatewayContext;
  /** The token the subscriber came with, held to its expiry and to revocations. */
  credential?: CredentialWatch;
  /** Why that token ended, once it has: the subscriber's streams end with it. */
  ended?: CredentialError;
  /** What each transport and stream does when it ends (close the socket, end the stream). */
  onEnded: Set<(error: CredentialError) => void>;
  /** How the transport drops a subscriber that fell too far behind (a WebSocket closes with 4429). */
  tooSlow?: () => void;
}

export interface SubscriptionRunnerOptions {
  apollo: ApolloServer<GatewayContext>;
  routes: () => Map<string, SubscriptionRoute>;
  /** The one subgraph whose fetch answers a query whole, or null when its plan needs more (see `soleSubgraph`). */
  soleSubgraphOf?: (query: DocumentNode) => string | null;
  upstream: UpstreamSubscriptions;
  verifier: AccessTokenVerifier;
  apiKeys: ApiKeyExchange;
  logger: Logger;
  /**
   * Every check HTTP applies to an operation (persisted operations, document bytes, tokens, validation
   * and shape limits, cost, rate limits: see `admission.ts`), which each transport runs on a subscribe
   * message before anything is opened upstream.
   */
  admission: OperationAdmission;
}

/**
 * Federated subscriptions, whatever the transport: who is subscribing (from `authorization` or
 * `api_key`), and the events of one subscription (see `planSubscription`). `@apollo/gateway` cannot
 * execute subscriptions; this does.
 */
export function createSubscriptionRunner(options: SubscriptionRunnerOptions) {
  const plans = new WeakMap<DocumentNode, Map<string, Plan | GraphQLError>>();
  const planFor = (document: DocumentNode, operationName: string | null | undefined, routes: Map<string, SubscriptionRoute>) => {
    let byOperation = plans.get(document);
    if (!byOperation) plans.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let plan = byOperation.get(key);
    if (!plan) byOperation.set(key, (plan = planSubscription(document, operationName, routes, options.soleSubgraphOf)));
    return plan;
  };
  // Subscribers who are the same principal (the same user in the same role, or the same app with the
  // same scopes), asking the same document with the same variables, get each event resolved once: what
  // the graph shows depends on who asks, not on which of their tokens they hold. A thousand tabs of one
  // user cost one federated query per event, not a thousand.
  const inFlight = new Map<string, Promise<ExecutionResult | null>>();
  // Apollo Server answers with formatted errors; an event's errors go out through graphql-ws and SSE as
  // GraphQLErrors (they serialise them), with their paths and codes.
  const withGraphQLErrors = ({ errors, ...result }: FormattedExecutionResult): ExecutionResult => ({
    ...(result as ExecutionResult),
    ...(errors ? { errors: errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions ?? {} })) } : {}),
  });
  const resolveEvent = (state: ConnectionState, query: string, variables: Record<string, unknown>) => {
    const key = `${principalKey(state.context.auth.principal)}\n${query}\n${JSON.stringify(variables)}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = options.apollo
        .executeOperation({ query, variables }, { contextValue: { ...state.context, internal: true } })
        .then((response) => (response.body.kind === 'single' ? withGraphQLErrors(response.body.singleResult) : null));
      inFlight.set(key, pending);
      setTimeout(() => inFlight.delete(key), 5_000).unref();
    }
    return pending;
  };

  return {
    /**
     * The subscriber's state, or null when its credentials are missing or refused; `onRefused` is told
     * why (the transport says it: a close reason, an error with `extensions.reason`).
     */
    async connect(headers: Record<string, string>, clientAddress: string, onRefused?: (auth: AuthState) => void): Promise<ConnectionState | null> {
      const requestId = requestIdOf(headers);
      const { auth, forwardHeaders } = await authenticateRequest(options.verifier, options.apiKeys, headers, requestId);
      if (!auth.principal) {
        onRefused?.(auth);
        return null;
      }
      const state: ConnectionState = { context: { requestId, logger: options.logger.child({ requestId }), auth, forwardHeaders, clientAddress }, onEnded: new Set() };
      const token = forwardHeaders.authorization?.replace(/^Bearer\s+/i, '');
      if (token) {
        state.credential = await options.verifier.watch(token, (error) => {
          state.ended = error;
          for (const end of state.onEnded) end(error);
        });
      }
      if (state.ended) onRefused?.({ principal: null, credentialError: state.ended });
      return state.ended ? null : state;
    },

    /** Admits a subscribe message with every limit HTTP applies (see `admission.ts`), for this subscriber. */
    admit(context: GatewayContext, request: OperationRequest): Promise<Admission> {
      return options.admission(context, request);
    },

    disconnect(state: ConnectionState): void {
      state.credential?.stop();
      state.onEnded.clear();
    },

    /**
     * The results of one subscription. Its `return()` (the subscriber left) closes the upstream side at
     * once, even while no event is coming (see `returnPromptly`).
     */
    run(state: ConnectionState, args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues'>): AsyncIterableIterator<ExecutionResult> {
      const upstream: UpstreamHandle = { left: false };
      const leave = async () => {
        upstream.left = true;
        await upstream.events?.return?.();
      };
      return returnPromptly(results(state, args, upstream), { return: leave });
    },
  };

  async function* results(state: ConnectionState, args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues'>, upstream: UpstreamHandle): AsyncGenerator<ExecutionResult> {
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const plan = planFor(args.document, args.operationName, options.routes());
    if (plan instanceof GraphQLError) {
      yield { errors: [plan] };
      return;
    }
    if (upstream.left) return;
    // The stream ends with the subscriber's token: at its expiry, or as soon as it is revoked.
    const credentialEnded = () => state.ended ?? state.credential?.check() ?? null;
    const endUpstream = () => void upstream.events?.return?.();
    state.onEnded.add(endUpstream);
    const events = options.upstream.open({
      subgraph: plan.route.subgraph,
      credentials: credentialHeaders(state.context.forwardHeaders),
      principal: principalKey(state.context.auth.principal),
      requestId: state.context.requestId,
      query: plan.upstream,
      variables,
      shareable: !replays(plan, variables),
    });
    upstream.events = events;
    try {
      if (credentialEnded()) await events.return?.();
      for await (const event of events) {
        if (credentialEnded()) break;
        if (event.errors?.length) {
          // The subgraph answered the same selection: its paths are the subscriber's.
          yield { errors: event.errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions ?? {} })) };
          continue;
        }
        if (!plan.perEvent) {
          yield event as ExecutionResult;
          continue;
        }
        const id = (event.data?.[plan.responseKey] ?? Object.values(event.data ?? {})[0]) as { id: string } | null | undefined;
        if (!id) continue;
        const result = await resolveEvent(state, plan.perEvent, { ...variables, irisEventId: id.id });
        if (!result) continue;
        // The caller may not (or no longer) see it: nothing to send.
        if (!result.data?.[plan.responseKey] && !result.errors?.length) continue;
        if (credentialEnded()) break;
        yield result as ExecutionResult;
      }
      const ended = credentialEnded();
      if (ended) yield { errors: [unauthenticated(ended)] };
    } catch (err) {
      if (err instanceof FellBehindError && state.tooSlow) {
        state.tooSlow();
        return;
      }
      const ended = credentialEnded();
      const errors = ended
        ? [unauthenticated(ended)]
        : err instanceof UpstreamRefusal
          ? err.errors
          : [err instanceof GraphQLError ? err : new GraphQLError('The subscription ended.', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
      yield { errors };
    } finally {
      state.onEnded.delete(endUpstream);
      await events.return?.();
    }
  }
}

/** Who a principal is, as far as what it may see goes. */
function principalKey(principal: Principal | null): string {
  if (!principal) return 'anonymous';
  return principal.kind === 'user'
    ? `user:${principal.userId}:${principal.accountId}:${principal.role}`
    : `app:${principal.appId}:${principal.accountId}:${[...principal.scopes].sort().join(',')}`;
}

/** One subscription's side towards the subgraph, and whether the subscriber already left. */
interface UpstreamHandle {
  left: boolean;
  events?: AsyncIterableIterator<UpstreamEvent>;
}

/** Whether the subscription replays history before going live (a non-null `after` argument). */
function replays(plan: Plan, variables: Record<string, unknown>): boolean {
  const after = plan.root.arguments?.find((a) => a.name.value === 'after')?.value;
  if (!after || after.kind === Kind.NULL) return false;
  return after.kind !== Kind.VARIABLE || variables[after.name.value] != null;
}

export type SubscriptionRunner = ReturnType<typeof createSubscriptionRunner>;

/** Unsent bytes one subscriber may hold before it is disconnected. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const TOO_SLOW = 'Too slow: events were not read in time; reconnect and resume with `after`';

/**
 * The credentials in `connectionParams` or headers. Header names are case-insensitive, and client
 * libraries spell them as their authors chose (`Authorization`, `authorization`, `api_key`, `Api-Key`,
 * `app_id` + `app_key`, `X-App-Id` + `X-App-Key`).
 */
function credentialHeaders(source: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  const names = new Set<string>(['authorization', ...APP_CREDENTIAL_HEADERS]);
  for (const [name, value] of Object.entries(source)) {
    const lower = name.toLowerCase();
    const spelled = names.has(lower) ? lower : lower.replace('-', '_');
    if (names.has(spelled) && typeof value === 'string') headers[spelled] = value;
  }
  return headers;
}

/**
 * graphql-ws on the gateway's `/graphql`. Credentials come in `connection_init`; a connection without
 * valid ones closes with 4403, and with the expiry of the token that authorised it. Dead peers are
 * found by pings every `pingIntervalMs` and dropped; a subscriber too slow to read closes with 4429.
 */
export function serveWebSocketSubscriptions(
  server: Server,
  apiSchema: () => GraphQLSchema,
  runner: SubscriptionRunner,
  pingIntervalMs: number,
  logger: Logger,
): () => Promise<void> {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 1024 * 1024 });
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (socket) => {
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
  });
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.get(socket)) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, pingIntervalMs);
  heartbeat.unref();

  const disposable = useServer<Record<string, unknown> | undefined, { state?: ConnectionState }>(
    {
      schema: () => apiSchema(),
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        // A refused credential closes with 4403 and its reason first (`TOKEN_EXPIRED: …`), for the client to act on.
        // Logged here: a socket refused on connect makes no HTTP request for the operation log to see.
        const refuse = (auth: AuthState) => {
          const reason = auth.credentialError?.reason ?? 'CREDENTIALS_MISSING';
          logger.info({ code: 'UNAUTHENTICATED', reason, clientAddress: ctx.extra.request.socket.remoteAddress }, `websocket refused: ${reason}`);
          ctx.extra.socket.close(4403, credentialCloseReason(auth));
        };
        const state = await runner.connect(credentialHeaders(ctx.connectionParams ?? {}), ctx.extra.request.socket.remoteAddress ?? 'unknown', refuse);
        if (!state) return false;
        ctx.extra.state = state;
        state.tooSlow = () => ctx.extra.socket.close(4429, TOO_SLOW);
        // The subscriptions end with the token that authorised them: when it expires or is revoked.
        state.onEnded.add((error) => ctx.extra.socket.close(4403, credentialEndedReason(error)));
        return true;
      },
      onDisconnect: (ctx) => {
        if (ctx.extra.state) runner.disconnect(ctx.extra.state);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const admitted = await runner.admit(ctx.extra.state!.context, payload);
        if (!admitted.ok) {
          logRefusedRequest(ctx.extra.state!.context.logger, { method: 'WS', path: '/graphql', errors: admitted.errors });
          return admitted.errors;
        }
        return { schema: admitted.schema, document: admitted.document, operationName: admitted.operationName ?? null, variableValues: admitted.variables };
      },
      subscribe: (args) => trackSubscription('websocket', runner.run((args.contextValue as { state: ConnectionState }).state, args)),
      context: (ctx) => ({ state: ctx.extra.state }),
      // A client that does not read its socket lets unsent events pile up here: past the limit the
      // connection is closed (it can reconnect and resume with `after`) rather than hold memory or
      // slow the others.
      onNext: (ctx) => {
        if (ctx.extra.socket.bufferedAmount > MAX_BUFFERED_BYTES) ctx.extra.socket.close(4429, TOO_SLOW);
      },
    },
    wss,
  );
  return async () => {
    clearInterval(heartbeat);
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}

/**
 * GraphQL over Server-Sent Events (graphql-sse, "distinct connections" mode) on `/graphql/stream`,
 * for clients that cannot open a WebSocket. Credentials come as ordinary headers.
 */
export function registerSseSubscriptions(app: FastifyInstance, apiSchema: () => GraphQLSchema, runner: SubscriptionRunner): () => void {
  const handler = createSseHandler<{ state: ConnectionState }>({
    schema: () => apiSchema(),
    // Who is subscribing, then every limit HTTP applies (see `admission.ts`); a refusal answers before
    // the stream opens, with the status and codes HTTP would give (401 with the credential's `reason`).
    onSubscribe: async (req, params): Promise<SseResponse | OperationArgs<{ state: ConnectionState }>> => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', ...APP_CREDENTIAL_HEADERS, 'x-request-id']) {
        const value = req.headers.get(name);
        if (value) headers[name] = value;
      }
      let refusedAuth: AuthState = { principal: null, credentialError: null };
      const state = await runner.connect(headers, req.raw.ip, (auth) => (refusedAuth = auth));
      if (!state) return errorResponse(refusedCredentials(refusedAuth));
      const admitted = await runner.admit(state.context, params);
      if (!admitted.ok) {
        runner.disconnect(state);
        return errorResponse(admitted);
      }
      return { schema: admitted.schema, document: admitted.document, operationName: admitted.operationName ?? null, variableValues: admitted.variables, contextValue: { state } };
    },
    subscribe: (args) => {
      const state = args.contextValue.state;
      const events = runner.run(state, args);
      return trackSubscription(
        'sse',
        (async function* () {
          try {
            yield* events;
          } finally {
            runner.disconnect(state);
          }
        })(),
      );
    },
  });
  // Streams are requests that never finish on their own: on shutdown they are ended (a client reconnects
  // elsewhere and resumes with `after`), so the server's wait for in-flight requests can end.
  const open = new Set<ServerResponse>();
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/graphql/stream',
    handler: (request, reply) => {
      open.add(reply.raw);
      reply.raw.once('close', () => open.delete(reply.raw));
      return handler(request, reply);
    },
  });
  return () => {
    for (const response of open) response.end();
  };
}

/** A refusal as graphql-sse answers before a stream opens: a JSON GraphQL error body with its status. */
function errorResponse(refusal: RefusedOperation): SseResponse {
  return [
    JSON.stringify({ errors: refusal.errors.map((error) => error.toJSON()) }),
    { status: refusal.status, statusText: STATUS_CODES[refusal.status] ?? 'Refused', headers: { 'content-type': 'application/json; charset=utf-8' } },
  ];
}
