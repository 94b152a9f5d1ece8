import { type TenantScope } from '@iris/core';
import { Prisma, type ScopedClient } from '@iris/db';

const NO_MODE = '00000000-0000-0000-0000-000000000000';

/** Marks counted per device, mode and hour, from events; read back in hour or day buckets. */
export function createMarkStatsData(prisma: ScopedClient<'analytics'>) {
  return {
    count: (mark: { accountId: string; deviceId: string; modeId: string | null; createdAt: Date }) => {
      const hour = new Date(Math.floor(mark.createdAt.getTime() / 3_600_000) * 3_600_000);
      const key = { deviceId: mark.deviceId, modeId: mark.modeId ?? NO_MODE, hour };
      return prisma.markStat.upsert({
        where: { deviceId_modeId_hour: key },
        update: { count: { increment: 1 } },
        create: { ...key, accountId: mark.accountId, count: 1 },
      });
    },

    buckets: (
      scope: TenantScope,
      filter: { from: Date; to: Date; bucket: 'hour' | 'day'; deviceId?: string | null; modeId?: string | null },
    ): Promise<{ start: Date; count: number }[]> => {
      const conditions = [Prisma.sql`hour >= ${filter.from}`, Prisma.sql`hour < ${filter.to}`];
      if (!scope.all) conditions.push(Prisma.sql`"accountId" IN (${Prisma.join(scope.accountIds.map((id) => Prisma.sql`${id}::uuid`))})`);
      if (filter.deviceId) conditions.push(Prisma.sql`"deviceId" = ${filter.deviceId}::uuid`);
      if (filter.modeId) conditions.push(Prisma.sql`"modeId" = ${filter.modeId}::uuid`);
      return prisma.$queryRaw<{ start: Date; count: number }[]>`
        SELECT date_trunc(${filter.bucket}, hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start, sum(count)::int AS count
        FROM analytics."MarkStat" WHERE ${Prisma.join(conditions, ' AND ')}
        GROUP BY 1 ORDER BY 1`;
    },
  };
}

export type MarkStatsData = ReturnType<typeof createMarkStatsData>;
