import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, RevocationSubject } from '@iris/core';
import type { Outbox, SqlClient } from '@iris/db';

/**
 * Identity's side of revocation: when a session or a credential ends here (logout, a refresh token
 * used twice, a password change, a member removed, an account deactivated, an API key revoked), the
 * access tokens already handed out for it are refused by every gateway and subgraph instance within
 * seconds, instead of working until they expire. Each revocation is stored with the change that ends
 * the session or credential (the outbox), so it is published once that commits, however long the bus
 * is down, and kept as long as the longest token lifetime (see `followRevocations` in @iris/core).
 */
export function createRevocationsService(outbox: Outbox, config: Config, clock: () => Date) {
  const longestTokenMs = Math.max(config.ACCESS_TOKEN_TTL_SECONDS, config.API_KEY_TOKEN_TTL_SECONDS) * 1000;
  return {
    /**
     * Refuses, everywhere, the tokens of `subject` `ids` issued until now, once `tx` (the transaction
     * that ends them) commits; this process refuses them as soon as it commits, before the bus has them.
     */
    async revoke(tx: SqlClient, subject: RevocationSubject, ids: string | readonly string[]): Promise<void> {
      const before = clock().getTime();
      // A second past the lifetime: `iat` and `exp` are whole seconds.
      const until = before + longestTokenMs + 1_000;
      const revocations = (typeof ids === 'string' ? [ids] : ids).map((id) => ({ subject, id, before, until }));
      await outbox.enqueueMany(tx, 'auth.revoked', revocations, { deliverLocally: true });
    },

    /** Resolves once the clock's current second has passed (see `RevocationList.revokedBy`: `iat` has whole seconds). */
    nextSecond: () => sleep(1_000 - (clock().getTime() % 1_000) + 1),
  };
}

export type RevocationsService = ReturnType<typeof createRevocationsService>;
