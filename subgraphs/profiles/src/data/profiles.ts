import { createHash } from 'node:crypto';
import { appScopeWhere, paginate, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { ErasureScope, Prisma, ProfileModel, ScopedClient, ScopedTransaction } from '@iris/db';
import { createAppAccountsData } from './appAccounts.js';

/** What a write implies beyond its rows (its events), done by the caller inside the write's transaction. */
export type InTransaction<Written> = (tx: ScopedTransaction<'profiles'>, written: Written) => Promise<unknown>;

/** Profiles are numbered as they arrive, so `id` order is arrival order and a cursor stays valid forever. */
const profilesSort: Sort<ProfileModel> = { name: 'profile.id', keys: [{ field: 'id', direction: 'asc', type: 'bigint' }] };

export interface ProfileKey {
  appId: string;
  deviceId: string;
}

export interface ProfileFilter {
  deviceIds?: readonly string[] | null;
  gender?: readonly string[] | null;
  maritalStatus?: readonly string[] | null;
  parentalStatus?: readonly string[] | null;
  age?: readonly string[] | null;
  country?: readonly string[] | null;
  lifeEvents?: readonly string[] | null;
}

export type ProfileChanges = Partial<
  Pick<
    ProfileModel,
    | 'appUserId'
    | 'gender'
    | 'maritalStatus'
    | 'parentalStatus'
    | 'age'
    | 'transportation'
    | 'pets'
    | 'sports'
    | 'country'
    | 'city'
    | 'holidayCountries'
    | 'holidayCities'
    | 'lifeEvents'
  >
>;

export type UpsertResult = { ok: true; profile: ProfileModel } | { ok: false; reason: 'other-account' | 'app-user-id-taken' };

const visible = (scope: TenantScope) => ({ ...scopeWhere(scope), ...appScopeWhere(scope) });

function filterWhere(filter: ProfileFilter): Prisma.ProfileWhereInput {
  const where: Prisma.ProfileWhereInput = {};
  if (filter.deviceIds) where.deviceId = { in: [...filter.deviceIds] };
  for (const field of ['gender', 'maritalStatus', 'parentalStatus', 'age', 'country'] as const) {
    const values = filter[field];
    if (values) where[field] = { in: [...values] };
  }
  if (filter.lifeEvents) where.lifeEvents = { hasSome: [...filter.lifeEvents] };
  return where;
}

/** Audience profiles and the erasure audit. Every read is scoped to what the caller may see. */
export function createProfilesData(prisma: ScopedClient<'profiles'>) {
  return {
    appAccounts: createAppAccountsData(prisma),

    profilesByKeys: (keys: readonly ProfileKey[], scope: TenantScope): Promise<ProfileModel[]> =>
      prisma.profile.findMany({
        where: { OR: keys.map((k) => ({ appId: k.appId, deviceId: k.deviceId })), ...visible(scope) },
      }),

    profileByAppUserId: (appId: string, appUserId: string, scope: TenantScope) =>
      prisma.profile.findFirst({ where: { appId, appUserId, ...visible(scope) } }),

    profilesOfApp: (appId: string, filter: ProfileFilter, args: ConnectionArgs, scope: TenantScope) => {
      const where: Prisma.ProfileWhereInput = { appId, ...filterWhere(filter), ...visible(scope) };
      return paginate(args, {
        sort: profilesSort,
        // One app's scroll position is refused for another app's profiles.
        scope: appId,
        fetch: (page) => prisma.profile.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.profile.count({ where }),
      });
    },

    countOfApp: (appId: string, scope: TenantScope) => prisma.profile.count({ where: { appId, ...visible(scope) } }),

    /**
     * Creates or updates one profile in one transaction. A profile written under another account
     * is left alone; an app user id already linked to another phone of the app is refused.
     */
    upsert: (accountId: string, key: ProfileKey, changes: ProfileChanges, then?: InTransaction<ProfileModel>): Promise<UpsertResult> =>
      prisma.$transaction(async (tx) => {
        const existing = await tx.profile.findUnique({ where: { appId_deviceId: key } });
        if (existing && existing.accountId !== accountId) return { ok: false, reason: 'other-account' } as const;
        if (changes.appUserId) {
          const holder = await tx.profile.findFirst({
            where: { appId: key.appId, appUserId: changes.appUserId, NOT: { deviceId: key.deviceId } },
          });
          if (holder) return { ok: false, reason: 'app-user-id-taken' } as const;
        }
        const profile = existing
          ? await tx.profile.update({ where: { id: existing.id }, data: changes })
          : await tx.profile.create({ data: { ...key, accountId, ...changes } });
        await then?.(tx, profile);
        return { ok: true, profile } as const;
      }),

    addScannedImages: (accountId: string, key: ProfileKey, count: number): Promise<UpsertResult> =>
      prisma.$transaction(async (tx) => {
        const existing = await tx.profile.findUnique({ where: { appId_deviceId: key } });
        if (existing && existing.accountId !== accountId) return { ok: false, reason: 'other-account' } as const;
        const profile = existing
          ? await tx.profile.update({ where: { id: existing.id }, data: { scannedImageCount: { increment: count } } })
          : await tx.profile.create({ data: { ...key, accountId, scannedImageCount: count } });
        return { ok: true, profile } as const;
      }),

    /** Removes the phone's profiles and records the erasure and this subgraph's part, atomically. */
    erase: (
      request: {
        erasureId: string;
        scope: ErasureScope;
        deviceId: string;
        accountId: string;
        appId: string | null;
        requestedBy: string;
      },
      then?: InTransaction<{ id: string }>,
    ) =>
      prisma.$transaction(async (tx) => {
        const removed = await tx.profile.deleteMany({
          where: { deviceId: request.deviceId, accountId: request.accountId, ...(request.appId ? { appId: request.appId } : {}) },
        });
        const erasure = await tx.erasure.create({
          data: {
            id: request.erasureId,
            scope: request.scope,
            deviceIdHash: createHash('sha256').update(request.deviceId).digest('hex'),
            accountId: request.accountId,
            appId: request.appId,
            requestedBy: request.requestedBy,
          },
        });
        await tx.erasurePart.create({ data: { erasureId: erasure.id, subgraph: 'profiles', removed: { profile: removed.count } } });
        await then?.(tx, erasure);
        return erasure;
      }),

    /** Records a participant's part; `then` sees every part recorded so far, this one included. */
    recordErasurePart: (erasureId: string, subgraph: string, removed: Record<string, number>, then?: InTransaction<string[]>) =>
      prisma.$transaction(async (tx) => {
        // One report of an erasure at a time: the one that completes it sees every other part.
        await tx.$queryRaw`SELECT id FROM profiles."Erasure" WHERE id = ${erasureId}::uuid FOR UPDATE`;
        await tx.erasurePart.upsert({
          where: { erasureId_subgraph: { erasureId, subgraph } },
          update: {},
          create: { erasureId, subgraph, removed },
        });
        const parts = await tx.erasurePart.findMany({ where: { erasureId }, select: { subgraph: true } });
        await then?.(
          tx,
          parts.map((part) => part.subgraph),
        );
      }),

    /** The erasure with its parts, if the caller's account asked for it. */
    erasure: (id: string, scope: TenantScope) =>
      prisma.erasure.findFirst({
        where: { id, ...scopeWhere(scope) },
        include: { parts: true },
      }),
  };
}

export type ProfilesData = ReturnType<typeof createProfilesData>;
