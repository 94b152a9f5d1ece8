import type { PushPlatform, ScopedClient } from '@iris/db';

/** Phone apps' push tokens, by user and account. */
export function createPushRegistrationsData(prisma: ScopedClient<'devices'>) {
  return {
    /** A token names one app install: registering it again moves it to the user now signed in. */
    register: (row: { accountId: string; userId: string; platform: PushPlatform; token: string }) =>
      prisma.pushRegistration.upsert({
        where: { platform_token: { platform: row.platform, token: row.token } },
        create: row,
        update: { accountId: row.accountId, userId: row.userId },
      }),

    /** Removes the user's registration of the token; false when the user had none. */
    unregister: async (userId: string, platform: PushPlatform, token: string) =>
      (await prisma.pushRegistration.deleteMany({ where: { userId, platform, token } })).count === 1,

    /** Forgets a token the provider says is no longer valid (app uninstalled). */
    forget: (id: string) => prisma.pushRegistration.deleteMany({ where: { id } }),

    ofAccount: (accountId: string) => prisma.pushRegistration.findMany({ where: { accountId }, orderBy: { id: 'asc' } }),
    byIds: (ids: readonly string[]) => prisma.pushRegistration.findMany({ where: { id: { in: [...ids] } } }),
  };
}

export type PushRegistrationsData = ReturnType<typeof createPushRegistrationsData>;
