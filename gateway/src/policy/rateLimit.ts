import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, type Config } from '@iris/core';
import { collectFields } from '@graphql-tools/utils';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { GatewayContext } from '../context.js';
import type { GatewayPlugin } from '../plugin.js';

/**
 * Root fields that guess or send secrets: sign-in, verification codes, password recovery. They get a
 * much smaller budget per client address than ordinary operations, on top of identity's own per-email
 * lockouts, so one address cannot spray passwords over many accounts.
 */
export const SENSITIVE_ROOT_FIELDS = new Set([
  'login',
  'loginWithToken',
  'loginWithIdToken',
  'exchangeAuthorizationCode',
  'register',
  'sendVerificationCode',
  'verifyRegistration',
  'requestPasswordReset',
  'resetPassword',
  'changePassword',
]);

type RateLimitConfig = Pick<
  Config,
  | 'RATE_LIMIT_POINTS'
  | 'RATE_LIMIT_ANONYMOUS_POINTS'
  | 'RATE_LIMIT_WINDOW_SECONDS'
  | 'RATE_LIMIT_SENSITIVE_POINTS'
  | 'RATE_LIMIT_SENSITIVE_WINDOW_SECONDS'
  | 'REDIS_PREFIX'
>;

/** One budget: what it counts, its size and window, and the variables an operator changes them with. */
interface Budget {
  name: 'principal' | 'anonymous' | 'sensitive';
  limiter: RateLimiterAbstract;
  limit: number;
  windowSeconds: number;
  setting: 'RATE_LIMIT_POINTS' | 'RATE_LIMIT_ANONYMOUS_POINTS' | 'RATE_LIMIT_SENSITIVE_POINTS';
  windowSetting: 'RATE_LIMIT_WINDOW_SECONDS' | 'RATE_LIMIT_SENSITIVE_WINDOW_SECONDS';
  /** Says what the budget counts, for the refusal's message. */
  describe: (limit: number, windowSeconds: number) => string;
}

/** An operation as the limiter sees it, after validation: its root fields are resolved against `schema`. */
export interface AdmittedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * Operations per principal per window: a signed-in user, an API key's app, or the client address
 * when anonymous. Counters live in memory, or in Redis with `REDIS_URL` so every gateway instance
 * shares them; if Redis stops answering, each instance falls back to its own memory counters until
 * it is back (an outage neither blocks traffic nor lifts the limits).
 */
export class OperationRateLimiter {
  readonly #signedIn: Budget;
  readonly #anonymous: Budget;
  readonly #sensitive: Budget;

  /** `redis` should not queue commands while disconnected (see `connectGatewayRedis`). */
  constructor(config: RateLimitConfig, redis?: Redis) {
    const limiter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
      const options = { keyPrefix, points, duration };
      if (!redis) return new RateLimiterMemory(options);
      return new RateLimiterRedis({
        ...options,
        keyPrefix: `${config.REDIS_PREFIX}ratelimit:${keyPrefix}`,
        storeClient: redis,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    };
    const window = config.RATE_LIMIT_WINDOW_SECONDS;
    this.#signedIn = {
      name: 'principal',
      limiter: limiter('principal', config.RATE_LIMIT_POINTS, window),
      limit: config.RATE_LIMIT_POINTS,
      windowSeconds: window,
      setting: 'RATE_LIMIT_POINTS',
      windowSetting: 'RATE_LIMIT_WINDOW_SECONDS',
      describe: (limit, seconds) => `Too many requests: each signed-in caller may run ${limit} operations per ${seconds} s`,
    };
    this.#anonymous = {
      name: 'anonymous',
      limiter: limiter('anonymous', config.RATE_LIMIT_ANONYMOUS_POINTS, window),
      limit: config.RATE_LIMIT_ANONYMOUS_POINTS,
      windowSeconds: window,
      setting: 'RATE_LIMIT_ANONYMOUS_POINTS',
      windowSetting: 'RATE_LIMIT_WINDOW_SECONDS',
      describe: (limit, seconds) => `Too many requests: a client address without credentials may run ${limit} operations per ${seconds} s`,
    };
    this.#sensitive = {
      name: 'sensitive',
      limiter: limiter('sensitive', config.RATE_LIMIT_SENSITIVE_POINTS, config.RATE_LIMIT_SENSITIVE_WINDOW_SECONDS),
      limit: config.RATE_LIMIT_SENSITIVE_POINTS,
      windowSeconds: config.RATE_LIMIT_SENSITIVE_WINDOW_SECONDS,
      setting: 'RATE_LIMIT_SENSITIVE_POINTS',
      windowSetting: 'RATE_LIMIT_SENSITIVE_WINDOW_SECONDS',
      describe: (limit, seconds) =>
        `Too many sign-in attempts: a client address may make ${limit} sign-in, verification-code and password calls per ${seconds} s`,
    };
  }

  /**
   * Counts one operation against the caller's budget; returns the refusal to send when it is spent.
   * Each sensitive root field the operation would run (through fragments, under aliases, unless
   * skipped) also counts against its client address's small sign-in budget.
   */
  async admit(context: GatewayContext, operation: AdmittedOperation): Promise<GraphQLError | null> {
    if (context.internal) return null;
    const principal = context.auth.principal;
    const budget = principal ? this.#signedIn : this.#anonymous;
    const refusal =
      (await this.#consume(
        budget,
        principal
          ? principal.kind === 'user'
            ? `user:${principal.userId}`
            : `app:${principal.appId}`
          : `address:${context.clientAddress}`,
        1,
      )) ?? (await this.#consumeSensitive(context, operation));
    if (!refusal) return null;
    const { budget: spent, retryAfterSeconds } = refusal;
    context.logger.warn(
      {
        code: ErrorCode.RATE_LIMITED,
        budget: spent.name,
        limit: spent.limit,
        windowSeconds: spent.windowSeconds,
        setting: spent.setting,
        retryAfterSeconds,
        clientAddress: context.clientAddress,
        principal: principal
          ? principal.kind === 'user'
            ? { kind: 'user', userId: principal.userId }
            : { kind: 'app', appId: principal.appId }
          : null,
      },
      `operation refused: ${spent.name} rate limit spent`,
    );
    const headers = new HeaderMap();
    headers.set('retry-after', String(retryAfterSeconds));
    // Typed loosely: the benchmark's Hive Gateway augments `extensions.http` with a shape of its own.
    const extensions: Record<string, unknown> = {
      code: ErrorCode.RATE_LIMITED,
      retryAfterSeconds,
      limit: spent.limit,
      windowSeconds: spent.windowSeconds,
      setting: spent.setting,
      http: { status: 429, headers },
    };
    return new GraphQLError(
      `${spent.describe(spent.limit, spent.windowSeconds)} (set by ${spent.setting} and ${spent.windowSetting}). Try again in ${retryAfterSeconds} s.`,
      { extensions },
    );
  }

  async #consumeSensitive(context: GatewayContext, operation: AdmittedOperation) {
    // Most operations write no sensitive root field at all: known once per document, they skip the
    // per-request coercion of variables and collection of fields.
    if (!writesSensitiveRootField(operation.document, operation.operationName)) return null;
    const attempts = resolvedRootFields(operation).filter((name) => SENSITIVE_ROOT_FIELDS.has(name)).length;
    return attempts > 0 ? this.#consume(this.#sensitive, `address:${context.clientAddress}`, attempts) : null;
  }

  async #consume(budget: Budget, key: string, points: number): Promise<{ budget: Budget; retryAfterSeconds: number } | null> {
    try {
      await budget.limiter.consume(key, points);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { budget, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
  }
}

/**
 * The names of the root fields an operation runs, once per response key: as graphql-js's executor
 * collects them, through inline fragments and named fragment spreads, honouring `@skip`/`@include`,
 * and once for each alias (two aliases of `login` are two sign-ins). When the variables do not
 * coerce (execution will refuse the operation anyway), every root field written counts.
 */
export function resolvedRootFields({ schema, document, operationName, variables }: AdmittedOperation): string[] {
  const operation = getOperationAST(document, operationName ?? undefined);
  const rootType = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !rootType) return [];
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.coerced) {
    try {
      const { fields, patches } = collectFields(schema, fragments, coerced.coerced, rootType, operation.selectionSet);
      return [fields, ...patches.map((patch) => patch.fields)].flatMap((collected) =>
        [...collected.values()].map((nodes) => nodes[0]!.name.value),
      );
    } catch {
      // A directive argument that does not resolve: count every field written, below.
    }
  }
  return writtenRootFields(operation.selectionSet, fragments, new Set());
}

const sensitiveByDocument = new WeakMap<DocumentNode, Map<string, boolean>>();

/**
 * Whether the operation writes a sensitive root field anywhere (through fragments, skipped or not):
 * the names {@link resolvedRootFields} finds are among those written, so without one it finds none.
 * Cached per parsed document (Apollo Server hands over the same one for the same query text).
 */
function writesSensitiveRootField(document: DocumentNode, operationName: string | null | undefined): boolean {
  let byName = sensitiveByDocument.get(document);
  if (!byName) sensitiveByDocument.set(document, (byName = new Map()));
  const key = operationName ?? '';
  let found = byName.get(key);
  if (found === undefined) {
    const operation = getOperationAST(document, operationName ?? undefined);
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    // No operation resolved: nothing is cached, and the full check decides.
    if (!operation) return true;
    found = writtenRootFields(operation.selectionSet, fragments, new Set()).some((name) => SENSITIVE_ROOT_FIELDS.has(name));
    byName.set(key, found);
  }
  return found;
}

/** Every field written at the root, through fragments, ignoring `@skip`/`@include`: the upper bound. */
function writtenRootFields(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visited: Set<string>,
): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return writtenRootFields(selection.selectionSet, fragments, visited);
    const fragment = fragments[selection.name.value];
    if (!fragment || visited.has(fragment.name.value)) return [];
    visited.add(fragment.name.value);
    return writtenRootFields(fragment.selectionSet, fragments, visited);
  });
}

/**
 * Applies the limiter to every operation that reaches Apollo Server (each operation of an HTTP batch
 * on its own), after validation and before any subgraph call.
 */
export function rateLimitPlugin(limiter: OperationRateLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, schema, document, operationName, request }) {
          const refusal = await limiter.admit(contextValue, { schema, document, operationName, variables: request.variables ?? null });
          if (refusal) throw refusal;
        },
      };
    },
  };
}

/** Rate limits on every operation Apollo Server runs; the other transports count through `admission.ts`. */
export function useRateLimit(limiter: OperationRateLimiter): GatewayPlugin {
  return { name: 'rate-limit', apollo: [rateLimitPlugin(limiter)] };
}
