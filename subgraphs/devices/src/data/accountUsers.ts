import type { ScopedClient } from '@iris/db';

/**
 * Which users exist and in which account, as devices knows it from identity's `account.userAdded` and
 * `account.userRemoved` events: enough to refuse a share with a user who does not exist, and to leave
 * such shares out of `sharedWith`, and to answer the email of each user in `sharedWith` (also of a user of
 * another account, whom the sharing account cannot read in identity), without reading identity's tables.
 */
export function createAccountUsersData(prisma: ScopedClient<'devices'>) {
  return {
    /** Idempotent: an event delivered twice changes nothing. */
    userAdded: (user: { userId: string; accountId: string; email: string }) =>
      prisma.accountUser.upsert({
        where: { userId: user.userId },
        update: { accountId: user.accountId, email: user.email.toLowerCase() },
        create: { userId: user.userId, accountId: user.accountId, email: user.email.toLowerCase() },
      }),

    /**
     * The user leaves the account: their shares of its devices and groups go with them, and so do their
     * push tokens and preferences (the account's notifications no longer reach their phones).
     */
    userRemoved: (userId: string) =>
      prisma.$transaction([
        prisma.deviceShare.deleteMany({ where: { userId } }),
        prisma.deviceGroupShare.deleteMany({ where: { userId } }),
        prisma.pushRegistration.deleteMany({ where: { userId } }),
        prisma.pushPreference.deleteMany({ where: { userId } }),
        prisma.accountUser.deleteMany({ where: { userId } }),
      ]),

    userById: (userId: string) => prisma.accountUser.findUnique({ where: { userId } }),

    userByEmail: (email: string) => prisma.accountUser.findUnique({ where: { email: email.trim().toLowerCase() } }),

    /** Of these user ids, those of users that exist, each with their email. */
    emailsOf: async (userIds: readonly string[]) =>
      new Map(
        (
          await prisma.accountUser.findMany({ where: { userId: { in: [...new Set(userIds)] } }, select: { userId: true, email: true } })
        ).map((row) => [row.userId, row.email]),
      ),
  };
}

export type AccountUsersData = ReturnType<typeof createAccountUsersData>;
