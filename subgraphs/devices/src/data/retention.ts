import type { ScopedClient } from '@iris/db';

/** Accounts' retention periods (from identity's plan events) and the purge they drive. */
export function createRetentionData(prisma: ScopedClient<'devices'>) {
  return {
    setRetention: (accountId: string, retentionDays: number) =>
      prisma.accountRetention.upsert({ where: { accountId }, update: { retentionDays }, create: { accountId, retentionDays } }),

    retentions: () => prisma.accountRetention.findMany(),

    /** Accounts that have captures or marks at all (the only ones a purge can touch). */
    accountsWithCaptures: async () => {
      const [captures, marks] = await Promise.all([
        prisma.deviceData.findMany({ distinct: ['accountId'], select: { accountId: true } }),
        prisma.deviceMark.findMany({ distinct: ['accountId'], select: { accountId: true } }),
      ]);
      return [...new Set([...captures, ...marks].map((r) => r.accountId))];
    },

    /** Captures of the account older than `before`, a batch at a time (their files go first). */
    expiredCaptures: (accountId: string, before: Date, take: number) =>
      prisma.deviceData.findMany({ where: { accountId, createdAt: { lt: before } }, select: { id: true, storageKey: true }, take }),

    purge: (accountId: string, before: Date, captureIds: string[]) =>
      prisma.$transaction(async (tx) => {
        const marks = await tx.deviceMark.deleteMany({ where: { accountId, createdAt: { lt: before } } });
        const captures = await tx.deviceData.deleteMany({ where: { id: { in: captureIds } } });
        return { marks: marks.count, captures: captures.count };
      }),
  };
}

export type RetentionData = ReturnType<typeof createRetentionData>;
