import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, type Config } from '@iris/core';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { GatewayContext } from '../context.js';

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
  'RATE_LIMIT_POINTS' | 'RATE_LIMIT_ANONYMOUS_POINTS' | 'RATE_LIMIT_WINDOW_SECONDS' | 'RATE_LIMIT_SENSITIVE_POINTS' | 'RATE_LIMIT_SENSITIVE_WINDOW_SECONDS' | 'REDIS_PREFIX'
>;

/**
 * Operations per principal per window: a signed-in user, an API key's app, or the client address
 * when anonymous. Counters live in memory, or in Redis with `REDIS_URL` so every gateway instance
 * shares them; if Redis stops answering, each instance falls back to its own memory counters until
 * it is back (an outage neither blocks traffic nor lifts the limits).
 */
export class OperationRateLimiter {
  readonly #signedIn: RateLimiterAbstract;
  readonly #anonymous: RateLimiterAbstract;
  readonly #sensitive: RateLimiterAbstract;

  /** `redis` should not queue commands while disconnected (see `connectGatewayRedis`). */
  constructor(config: RateLimitConfig, redis?: Redis) {
    const window = config.RATE_LIMIT_WINDOW_SECONDS;
    const limiters = [
      { keyPrefix: 'principal', points: config.RATE_LIMIT_POINTS, duration: window },
      { keyPrefix: 'anonymous', points: config.RATE_LIMIT_ANONYMOUS_POINTS, duration: window },
      { keyPrefix: 'sensitive', points: config.RATE_LIMIT_SENSITIVE_POINTS, duration: config.RATE_LIMIT_SENSITIVE_WINDOW_SECONDS },
    ];
    if (redis) {
      [this.#signedIn, this.#anonymous, this.#sensitive] = limiters.map(
        (options) =>
          new RateLimiterRedis({
            ...options,
            keyPrefix: `${config.REDIS_PREFIX}ratelimit:${options.keyPrefix}`,
            storeClient: redis,
            insuranceLimiter: new RateLimiterMemory(options),
          }),
      ) as unknown as [RateLimiterAbstract, RateLimiterAbstract, RateLimiterAbstract];
    } else {
      [this.#signedIn, this.#anonymous, this.#sensitive] = limiters.map((options) => new RateLimiterMemory(options)) as unknown as [
        RateLimiterAbstract,
        RateLimiterAbstract,
        RateLimiterAbstract,
      ];
    }
  }

  /**
   * Counts one operation against the caller's budget; returns the refusal to send when it is spent.
   * A sensitive operation also counts against its client address's small sign-in budget.
   */
  async admit(context: GatewayContext, document: DocumentNode, operationName?: string | null): Promise<GraphQLError | null> {
    if (context.internal) return null;
    const principal = context.auth.principal;
    try {
      if (principal) await this.#signedIn.consume(principal.kind === 'user' ? `user:${principal.userId}` : `app:${principal.appId}`);
      else await this.#anonymous.consume(`address:${context.clientAddress}`);
      if (rootFieldsOf(document, operationName).some((name) => SENSITIVE_ROOT_FIELDS.has(name))) {
        await this.#sensitive.consume(`address:${context.clientAddress}`);
      }
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      const headers = new HeaderMap();
      headers.set('retry-after', String(retryAfterSeconds));
      // Typed loosely: the benchmark's Hive Gateway augments `extensions.http` with a shape of its own.
      const extensions: Record<string, unknown> = { code: ErrorCode.RATE_LIMITED, retryAfterSeconds, http: { status: 429, headers } };
      return new GraphQLError(`Too many requests. Try again in ${retryAfterSeconds} s.`, { extensions });
    }
  }
}

function rootFieldsOf(document: DocumentNode, operationName?: string | null): string[] {
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  return operation?.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) ?? [];
}

/** Applies the limiter to every operation that reaches Apollo Server, after validation and before any subgraph call. */
export function rateLimitPlugin(limiter: OperationRateLimiter): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operationName }) {
          const refusal = await limiter.admit(contextValue, document, operationName);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
