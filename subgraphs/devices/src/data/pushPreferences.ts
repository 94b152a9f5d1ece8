import type { NotificationType, ScopedClient } from '@iris/db';

/** Which notification types each user's phones are not pushed (no row: every type is pushed). */
export function createPushPreferencesData(prisma: ScopedClient<'devices'>) {
  return {
    of: (userId: string) => prisma.pushPreference.findUnique({ where: { userId } }),

    set: (userId: string, mutedTypes: NotificationType[]) =>
      prisma.pushPreference.upsert({ where: { userId }, create: { userId, mutedTypes }, update: { mutedTypes } }),

    /** Of these users, those who turned pushes of `type` off. */
    muting: async (userIds: readonly string[], type: NotificationType) =>
      userIds.length === 0
        ? new Set<string>()
        : new Set(
            (
              await prisma.pushPreference.findMany({
                where: { userId: { in: [...new Set(userIds)] }, mutedTypes: { has: type } },
                select: { userId: true },
              })
            ).map((row) => row.userId),
          ),
  };
}

export type PushPreferencesData = ReturnType<typeof createPushPreferencesData>;
