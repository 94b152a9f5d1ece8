import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, IrisError, type Config, type EventBus, type Logger, type RevocationSubject } from '@iris/core';

/**
 * Identity's side of revocation: when a session or a credential ends here (logout, a refresh token
 * used twice, a password change, a member removed, an account deactivated, an API key revoked), the
 * access tokens already handed out for it are refused by every gateway and subgraph instance within
 * seconds, instead of working until they expire. Each revocation is published on the bus and kept as
 * long as the longest token lifetime (see `followRevocations` in @iris/core).
 */
export function createRevocationsService(bus: EventBus, config: Config, clock: () => Date, logger: Logger) {
  const longestTokenMs = Math.max(config.ACCESS_TOKEN_TTL_SECONDS, config.API_KEY_TOKEN_TTL_SECONDS) * 1000;
  return {
    /** Refuses, everywhere, the tokens of `subject` `ids` issued until now. */
    async revoke(subject: RevocationSubject, ids: string | readonly string[]): Promise<void> {
      const before = clock().getTime();
      // A second past the lifetime: `iat` and `exp` are whole seconds.
      const until = before + longestTokenMs + 1_000;
      try {
        for (const id of typeof ids === 'string' ? [ids] : ids) await bus.publish('auth.revoked', { subject, id, before, until });
      } catch (err) {
        logger.error({ err, subject }, 'could not publish a revocation');
        throw new IrisError(
          ErrorCode.SERVICE_UNAVAILABLE,
          'The change was saved, but the access tokens it ends could not be revoked everywhere just now: try again in a moment.',
        );
      }
    },

    /** Resolves once the clock's current second has passed (see `RevocationList.revokedBy`: `iat` has whole seconds). */
    nextSecond: () => sleep(1_000 - (clock().getTime() % 1_000) + 1),
  };
}

export type RevocationsService = ReturnType<typeof createRevocationsService>;
