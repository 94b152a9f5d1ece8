import {
  FellBehindError,
  returnPromptly,
  unauthenticated,
  type AccessTokenVerifier,
  type AuthState,
  type CredentialError,
  type CredentialWatch,
  type Principal,
} from '@iris/core';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import { internalContext, type CreateGatewayContext, type GatewayContext } from '../context.js';
import type { Admission, OperationAdmission, OperationRequest } from '../policy/admission.js';
import { APP_CREDENTIAL_HEADERS } from '../policy/auth.js';
import { planSubscription, type Plan } from './planning.js';
import type { SubscriptionRoutes } from './routes.js';
import { UpstreamRefusal, type UpstreamEvent, type UpstreamSubscriptions } from './upstreamSubscriptions.js';

/** One subscriber (a socket, a stream): its context, and the credential its subscriptions end with. */
export interface ConnectionState {
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

/** Runs one operation through the gateway's executor, as `context`'s caller (a subscription event's selection). */
export type ExecuteOperation = (
  query: string,
  variables: Record<string, unknown>,
  context: GatewayContext,
) => Promise<FormattedExecutionResult | null>;

export interface SubscriptionRunnerOptions {
  execute: ExecuteOperation;
  routes: () => SubscriptionRoutes;
  /** The one subgraph whose fetch answers a query whole, or null when its plan needs more (see `soleSubgraph`). */
  soleSubgraphOf?: (query: DocumentNode) => string | null;
  upstream: UpstreamSubscriptions;
  /** Watches a subscriber's token to its expiry and revocation. */
  verifier: Pick<AccessTokenVerifier, 'watch'>;
  /** The gateway's one context builder (`context.ts`), as for every other request. */
  createContext: CreateGatewayContext;
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
  const planFor = (document: DocumentNode, operationName: string | null | undefined, routes: SubscriptionRoutes) => {
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
      pending = options
        .execute(query, variables, internalContext(state.context))
        .then((result) => (result ? withGraphQLErrors(result) : null));
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
    async connect(
      headers: Record<string, string>,
      clientAddress: string,
      onRefused?: (auth: AuthState, context: GatewayContext) => void,
    ): Promise<ConnectionState | null> {
      const context = await options.createContext({ headers, clientAddress });
      if (!context.auth.principal) {
        onRefused?.(context.auth, context);
        return null;
      }
      const state: ConnectionState = { context, onEnded: new Set() };
      const token = context.forwardHeaders.authorization?.replace(/^Bearer\s+/i, '');
      if (token) {
        state.credential = await options.verifier.watch(token, (error) => {
          state.ended = error;
          for (const end of state.onEnded) end(error);
        });
      }
      if (state.ended) onRefused?.({ principal: null, credentialError: state.ended }, context);
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
    run(
      state: ConnectionState,
      args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues'>,
    ): AsyncIterableIterator<ExecutionResult> {
      const upstream: UpstreamHandle = { left: false };
      const leave = async () => {
        upstream.left = true;
        await upstream.events?.return?.();
      };
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const events = subscriptionResults(
        { plan: () => planFor(args.document, args.operationName, options.routes()), open: options.upstream.open, resolveEvent },
        state,
        variables,
        upstream,
      );
      return returnPromptly(events, { return: leave });
    },
  };
}

/** What one subscription's events come from: its plan, the subgraph's side, and the per-event query. */
interface EventSources {
  plan: () => Plan | GraphQLError;
  open: UpstreamSubscriptions['open'];
  resolveEvent: (state: ConnectionState, query: string, variables: Record<string, unknown>) => Promise<ExecutionResult | null>;
}

/**
 * The events of one subscription: opened on the owning subgraph (keys only, or the whole selection it
 * answers alone), each resolved as the subscriber through the executor, until the subscriber leaves,
 * the subgraph ends it, or the subscriber's token expires or is revoked (then UNAUTHENTICATED last).
 */
async function* subscriptionResults(
  sources: EventSources,
  state: ConnectionState,
  variables: Record<string, unknown>,
  upstream: UpstreamHandle,
): AsyncGenerator<ExecutionResult> {
  const plan = sources.plan();
  if (plan instanceof GraphQLError) {
    yield { errors: [plan] };
    return;
  }
  if (upstream.left) return;
  // The stream ends with the subscriber's token: at its expiry, or as soon as it is revoked.
  const credentialEnded = () => state.ended ?? state.credential?.check() ?? null;
  const endUpstream = () => void upstream.events?.return?.();
  state.onEnded.add(endUpstream);
  const events = sources.open({
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
      const result = await sources.resolveEvent(state, plan.perEvent, { ...variables, irisEventId: id.id });
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
        : [
            err instanceof GraphQLError
              ? err
              : new GraphQLError('The subscription ended.', { extensions: { code: 'SERVICE_UNAVAILABLE' } }),
          ];
    yield { errors };
  } finally {
    state.onEnded.delete(endUpstream);
    await events.return?.();
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

/** The request headers a subscription over HTTP (SSE, multipart) passes on: credentials and the request id. */
export const SUBSCRIBER_HEADERS = ['authorization', ...APP_CREDENTIAL_HEADERS, 'x-request-id'] as const;

/**
 * The `SUBSCRIBER_HEADERS` a request over HTTP (SSE on `/graphql/stream`, multipart or SSE on `POST
 * /graphql`) carries, as `connect` takes them: a header that is absent stays absent, so a request
 * without credentials is CREDENTIALS_MISSING and one with only `api_key` is an API key, as over HTTP.
 */
export function subscriberHeaders(source: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of SUBSCRIBER_HEADERS) {
    const value = source[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/**
 * The credentials in `connectionParams` or headers. Header names are case-insensitive, and client
 * libraries spell them as their authors chose (`Authorization`, `authorization`, `api_key`, `Api-Key`,
 * `app_id` + `app_key`, `X-App-Id` + `X-App-Key`).
 */
export function credentialHeaders(source: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  const names = new Set<string>(['authorization', ...APP_CREDENTIAL_HEADERS]);
  for (const [name, value] of Object.entries(source)) {
    const lower = name.toLowerCase();
    const spelled = names.has(lower) ? lower : lower.replace('-', '_');
    if (names.has(spelled) && typeof value === 'string') headers[spelled] = value;
  }
  return headers;
}
