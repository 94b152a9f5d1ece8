import type { TenantScope } from '@iris/core';
import type { ScopedClient } from '@iris/db';

/**
 * Which accounts may read which apps' profiles (each app's owner and the accounts added to it), as
 * profiles knows it from identity's `app.accountLinked` and `app.accountUnlinked` events: enough to
 * answer NOT_FOUND for an app that does not exist or that the caller cannot see, without reading
 * identity's tables.
 */
export function createAppAccountsData(prisma: ScopedClient<'profiles'>) {
  return {
    /** Idempotent: an event delivered twice changes nothing. */
    accountLinked: (link: { appId: string; accountId: string }) =>
      prisma.appAccount.upsert({ where: { appId_accountId: link }, update: {}, create: link }),

    accountUnlinked: (link: { appId: string; accountId: string }) => prisma.appAccount.deleteMany({ where: link }),

    /** Whether the app exists and one of the scope's accounts may see it (a service admin: whether it exists). */
    appVisible: async (appId: string, scope: TenantScope) =>
      (await prisma.appAccount.count({ where: scope.all ? { appId } : { appId, accountId: { in: [...scope.accountIds] } }, take: 1 })) > 0,
  };
}

export type AppAccountsData = ReturnType<typeof createAppAccountsData>;
