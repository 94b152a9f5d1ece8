import { ErrorCode } from '@iris/core';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
import { isQueryBody, type SubgraphFetcher } from './subgraphDataSource.js';

export interface ResilienceOptions {
  /** The deadline the wrapped fetcher enforces (`createSubgraphFetcher`'s `timeoutMs`): named in the error. */
  timeoutMs: number;
  /** Consecutive failed calls that cut the subgraph off... */
  breakerFailures: number;
  /** ...for this long, after which one call is let through to try it again. */
  breakerResetMs: number;
}

const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

/**
 * Timeouts, one retry and a circuit breaker around the calls to one subgraph (cockatiel's policies):
 * - every call has a deadline, which the wrapped fetcher enforces; past it the call fails as timed out;
 * - a query that failed on the network, timed out or got a 5xx is sent once more; a mutation is not,
 *   since its first attempt may have been applied;
 * - after `breakerFailures` failures in a row the subgraph is cut off for `breakerResetMs`: calls fail
 *   at once with SERVICE_UNAVAILABLE instead of waiting on a dead service, the gateway still answers
 *   the parts of each operation the other subgraphs serve, and `/readyz` names the subgraph.
 */
export class SubgraphResilience {
  readonly #breaker: CircuitBreakerPolicy;
  readonly #once: IPolicy;
  readonly #retried: IPolicy;

  constructor(
    readonly subgraph: string,
    readonly options: ResilienceOptions,
  ) {
    const failure = handleAll.orWhenResult((response) => (response as { status?: number }).status! >= 500);
    this.#breaker = circuitBreaker(failure, {
      halfOpenAfter: options.breakerResetMs,
      breaker: new ConsecutiveBreaker(options.breakerFailures),
    });
    this.#once = this.#breaker;
    // A retry is pointless against an open circuit: only failures of an actual call are retried.
    const retryable = handleWhen((err) => !(err instanceof BrokenCircuitError)).orWhenResult(
      (response) => (response as { status?: number }).status! >= 500,
    );
    this.#retried = wrap(retry(retryable, { maxAttempts: 1 }), this.#breaker);
  }

  /** `closed` (healthy), `open` (cut off) or `half-open` (one trial call allowed). */
  get state(): 'closed' | 'open' | 'half-open' {
    const state = this.#breaker.state;
    return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  wrap(fetcher: SubgraphFetcher): SubgraphFetcher {
    return async (url, init) => {
      // Only queries are sent again: a mutation's first attempt may have been applied.
      const policy = isQueryBody(init?.body) ? this.#retried : this.#once;
      try {
        const response = await policy.execute(() => fetcher(url, init));
        // A subgraph shutting down or behind a proxy that lost it: unavailable, not an internal error.
        if (UNAVAILABLE_STATUS.has(response.status)) throw new Error(`HTTP ${response.status}`);
        return response;
      } catch (err) {
        throw this.#unavailable(err);
      }
    };
  }

  #unavailable(err: unknown): GraphQLError {
    const retryAfterSeconds = Math.ceil(this.options.breakerResetMs / 1000);
    const reason =
      err instanceof BrokenCircuitError
        ? `is unavailable right now (it failed ${this.options.breakerFailures} times in a row)`
        : isTimeout(err)
          ? `did not answer within ${this.options.timeoutMs} ms`
          : 'could not be reached';
    return new GraphQLError(
      `The ${this.subgraph} service ${reason}; the rest of the response is complete. Retry in ${retryAfterSeconds} s.`,
      {
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, service: this.subgraph, retryAfterSeconds },
      },
    );
  }
}

/** A deadline passed: undici's own (no answer yet, or an answer stalled) or an aborting signal's. */
function isTimeout(err: unknown): boolean {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  return name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
