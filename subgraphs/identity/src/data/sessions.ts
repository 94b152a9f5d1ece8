import type { ScopedClient, ScopedTransaction } from '@iris/db';

/**
 * Everything that keeps a user signed in: refresh-token families, one-time login tokens, OAuth codes,
 * links to outside identity providers, and the failed-sign-in throttle.
 */
export function createSessionsData(prisma: ScopedClient<'identity'>) {
  return {
    transaction: <T>(work: (tx: ScopedTransaction<'identity'>) => Promise<T>) => prisma.$transaction(work),

    createRefreshToken: (
      tx: ScopedTransaction<'identity'>,
      row: { familyId: string; userId: string; tokenHash: string; expiresAt: Date; appId?: string | null; scopes?: string[] },
    ) => tx.refreshToken.create({ data: row }),

    refreshTokenByHash: (tokenHash: string) =>
      prisma.refreshToken.findUnique({ where: { tokenHash }, include: { user: { include: { account: true } } } }),

    /** Marks a live token used; false when another request used or revoked it first. */
    useRefreshToken: async (tx: ScopedTransaction<'identity'>, id: string, now: Date) =>
      (await tx.refreshToken.updateMany({ where: { id, usedAt: null, revokedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } }))
        .count === 1,

    revokeFamily: async (familyId: string, now: Date, tx: ScopedTransaction<'identity'> = prisma) =>
      (await tx.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: now } })).count,

    /** Ends the user's OAuth sessions of one app; returns the ids of the sessions it ended. */
    revokeAppSessions: async (tx: ScopedTransaction<'identity'>, userId: string, appId: string, now: Date) => {
      const where = { userId, appId, revokedAt: null };
      const families = await tx.refreshToken.findMany({ where, select: { familyId: true }, distinct: ['familyId'] });
      await tx.refreshToken.updateMany({ where, data: { revokedAt: now } });
      return families.map((row) => row.familyId);
    },

    /** Ends the user's sessions but `exceptFamilyId`; returns the ids of the sessions it ended. */
    revokeUserSessions: async (tx: ScopedTransaction<'identity'>, userId: string, now: Date, exceptFamilyId?: string) => {
      const where = { userId, revokedAt: null, ...(exceptFamilyId ? { familyId: { not: exceptFamilyId } } : {}) };
      const families = await tx.refreshToken.findMany({ where, select: { familyId: true }, distinct: ['familyId'] });
      await tx.refreshToken.updateMany({ where, data: { revokedAt: now } });
      return families.map((row) => row.familyId);
    },

    createLoginToken: (row: { userId: string; tokenHash: string; expiresAt: Date }) => prisma.loginToken.create({ data: row }),

    /** Uses a live login token once; returns its user id, or null. */
    useLoginToken: async (tx: ScopedTransaction<'identity'>, tokenHash: string, now: Date) => {
      const used = await tx.loginToken.updateMany({ where: { tokenHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
      if (used.count !== 1) return null;
      return (await tx.loginToken.findUnique({ where: { tokenHash } }))?.userId ?? null;
    },

    createAuthorizationCode: (row: {
      codeHash: string;
      appId: string;
      userId: string;
      redirectUri: string;
      codeChallenge: string;
      scopes: string[];
      expiresAt: Date;
    }) => prisma.authorizationCode.create({ data: row }),

    /** Uses a live authorization code once; returns it, or null. */
    useAuthorizationCode: async (tx: ScopedTransaction<'identity'>, codeHash: string, now: Date) => {
      const used = await tx.authorizationCode.updateMany({
        where: { codeHash, usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      if (used.count !== 1) return null;
      return tx.authorizationCode.findUnique({ where: { codeHash } });
    },

    externalIdentity: (issuer: string, subject: string) =>
      prisma.externalIdentity.findUnique({
        where: { issuer_subject: { issuer, subject } },
        include: { user: { include: { account: true } } },
      }),

    linkExternalIdentity: (tx: ScopedTransaction<'identity'>, row: { issuer: string; subject: string; userId: string }) =>
      tx.externalIdentity.create({ data: row }),

    throttle: (key: string) => prisma.loginThrottle.findUnique({ where: { key } }),

    /** Counts a failed sign-in; locks the key for `lockSeconds` once `maxFailures` is reached. */
    recordFailure: async (key: string, now: Date, maxFailures: number, lockSeconds: number) => {
      const row = await prisma.loginThrottle.upsert({
        where: { key },
        update: { failures: { increment: 1 } },
        create: { key, failures: 1 },
      });
      if (row.failures >= maxFailures) {
        await prisma.loginThrottle.update({
          where: { key },
          data: { failures: 0, lockedUntil: new Date(now.getTime() + lockSeconds * 1000) },
        });
      }
    },

    clearFailures: (key: string) => prisma.loginThrottle.deleteMany({ where: { key } }),
  };
}
