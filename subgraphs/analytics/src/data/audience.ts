import { appScopeWhere, scopeWhere, type IrisEventMap, type TenantScope } from '@iris/core';
import type { Prisma, ScopedClient, ScopedTransaction } from '@iris/db';

const DIMENSIONS = ['gender', 'maritalStatus', 'parentalStatus', 'age', 'country'] as const;
type Dimension = (typeof DIMENSIONS)[number];

/** The audience projection: one row per (app, phone) with the profile's dimensions. */
export function createAudienceData(prisma: ScopedClient<'analytics'>) {
  return {
    upsertMember: (member: IrisEventMap['profile.upserted']) => {
      const { appId, deviceId, ...dimensions } = member;
      return prisma.audienceMember.upsert({
        where: { appId_deviceId: { appId, deviceId } },
        update: dimensions,
        create: member,
      });
    },

    /** Removes a phone's rows for one app, or for every app of an account. Returns how many. */
    eraseMembers: async (
      request: { deviceId: string; accountId: string; appId: string | null },
      tx: ScopedTransaction<'analytics'> = prisma,
    ) =>
      (
        await tx.audienceMember.deleteMany({
          where: { deviceId: request.deviceId, accountId: request.accountId, ...(request.appId ? { appId: request.appId } : {}) },
        })
      ).count,

    /** One grouped count per dimension (five indexed scans of the app's rows, whatever their number). */
    breakdown: async (appId: string, scope: TenantScope) => {
      const where = { appId, ...scopeWhere(scope), ...appScopeWhere(scope) };
      const [total, ...groups] = await Promise.all([
        prisma.audienceMember.count({ where }),
        // Prisma's groupBy types cannot follow a dimension chosen at run time; the rows are read below.
        ...DIMENSIONS.map((dimension) => prisma.audienceMember.groupBy({ by: [dimension], where, _count: { _all: true } } as never)),
      ]);
      const counts = Object.fromEntries(
        DIMENSIONS.map((dimension, i) => [
          dimension,
          (groups[i] as unknown as ({ _count: { _all: number } } & Record<Dimension, string | null>)[])
            .filter((row) => row[dimension] !== null)
            .map((row) => ({ value: row[dimension]!, count: row._count._all }))
            .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
        ]),
      ) as Record<Dimension, { value: string; count: number }[]>;
      return { total, ...counts };
    },
  };
}

export type AudienceData = ReturnType<typeof createAudienceData>;
