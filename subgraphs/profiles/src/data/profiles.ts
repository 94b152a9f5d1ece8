import { paginate, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { Db, ProfileModel } from '@iris/db';

/** Profiles are numbered as they arrive, so `id` order is arrival order and a cursor stays valid forever. */
const profilesSort: Sort<ProfileModel> = { name: 'profile.id', keys: [{ field: 'id', direction: 'asc', type: 'bigint' }] };

export interface ProfileKey {
  appId: string;
  deviceId: string;
}

/** Audience profiles. Every read is scoped to the accounts the caller may see. */
export function createProfilesData(prisma: Db) {
  return {
    profilesByKeys: (keys: readonly ProfileKey[], scope: TenantScope): Promise<ProfileModel[]> =>
      prisma.profile.findMany({
        where: { OR: keys.map((k) => ({ appId: k.appId, deviceId: k.deviceId })), ...scopeWhere(scope) },
      }),

    /** The app's profiles that belong to the caller's account(s). */
    profilesOfApp: (appId: string, args: ConnectionArgs, scope: TenantScope) => {
      const where = { appId, ...scopeWhere(scope) };
      return paginate(args, {
        sort: profilesSort,
        fetch: (page) => prisma.profile.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.profile.count({ where }),
      });
    },
  };
}

export type ProfilesData = ReturnType<typeof createProfilesData>;
