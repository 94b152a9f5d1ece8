import { notFound, type AuthState, type TenantScope } from '@iris/core';
import type { ProfilesData } from '../data/profiles.js';
import { requireAppAccess } from './profiles.js';

/**
 * Which apps a caller may ask about. An app's own credential is held to its app (FORBIDDEN for another,
 * by `requireAppAccess`); a signed-in user sees the apps their account owns or was added to, and a
 * service admin every app that exists. Any other app id is NOT_FOUND, as identity answers it, so a
 * mistyped or foreign app id never reads as an app with no profiles.
 */
export function createAppVisibilityService(data: ProfilesData, replicationSettled: () => Promise<void>) {
  const { appAccounts } = data;
  return {
    /** Throws unless the caller may see `appId`; call it before anything is read or written for the app. */
    async requireVisibleApp(auth: AuthState, scope: TenantScope, appId: string): Promise<void> {
      requireAppAccess(auth.principal, appId);
      if (auth.principal?.kind === 'app') return;
      if (await appAccounts.appVisible(appId, scope)) return;
      // identity's link events may still be on their way (an app registered a moment ago): wait for
      // this process's deliveries in flight, then look once more.
      await replicationSettled();
      if (!(await appAccounts.appVisible(appId, scope))) throw notFound('App', appId);
    },

    /** identity's `app.accountLinked`: the account now sees the app. */
    onAccountLinked: async (link: { appId: string; accountId: string }) => {
      await appAccounts.accountLinked(link);
    },

    /** identity's `app.accountUnlinked`: the account no longer sees the app. */
    onAccountUnlinked: async (link: { appId: string; accountId: string }) => {
      await appAccounts.accountUnlinked(link);
    },
  };
}

export type AppVisibilityService = ReturnType<typeof createAppVisibilityService>;
