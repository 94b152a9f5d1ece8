import type { BlobStorage, Config, Logger } from '@iris/core';
import type { DevicesSubgraphData } from '../data/index.js';

const DAY_MS = 86_400_000;

/**
 * The retention job: captures and marks older than the account's plan allows are deleted, files
 * first, in batches. Plans arrive as events from identity; accounts without one keep
 * `DEFAULT_RETENTION_DAYS`.
 */
export function createRetentionService(
  data: DevicesSubgraphData,
  storage: BlobStorage,
  config: Pick<Config, 'DEFAULT_RETENTION_DAYS'>,
  logger: Logger,
  clock: () => Date,
) {
  async function purgeAccount(accountId: string, retentionDays: number) {
    const before = new Date(clock().getTime() - retentionDays * DAY_MS);
    let captures = 0;
    let marks = 0;
    for (;;) {
      const expired = await data.retention.expiredCaptures(accountId, before, 500);
      await Promise.all(expired.map((c) => storage.delete(c.storageKey)));
      const purged = await data.retention.purge(
        accountId,
        before,
        expired.map((c) => c.id),
      );
      captures += purged.captures;
      marks += purged.marks;
      if (expired.length < 500) break;
    }
    return { captures, marks };
  }

  return {
    setPlan: (accountId: string, retentionDays: number) => data.retention.setRetention(accountId, retentionDays),

    /** One pass over every account with captures; returns what it removed. */
    async sweep() {
      const plans = new Map((await data.retention.retentions()).map((r) => [r.accountId, r.retentionDays]));
      const accounts = await data.retention.accountsWithCaptures();
      const totals = { captures: 0, marks: 0 };
      for (const accountId of accounts) {
        const removed = await purgeAccount(accountId, plans.get(accountId) ?? config.DEFAULT_RETENTION_DAYS);
        totals.captures += removed.captures;
        totals.marks += removed.marks;
      }
      if (totals.captures + totals.marks > 0) logger.info(totals, 'retention purge');
      return totals;
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
