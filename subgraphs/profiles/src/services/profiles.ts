import { conflict, forbidden, parseInput, principalOf, type AuthState, type Principal, type TenantScope } from '@iris/core';
import type { Outbox } from '@iris/db';
import { z } from 'zod';
import { isCountryCode } from '../countries.js';
import type { ProfileChanges, ProfileFilter, ProfilesData } from '../data/profiles.js';
import type { AppVisibilityService } from './appVisibility.js';

/** The most `deviceIds` one `profiles` call takes (the REST API's list had no stated limit). */
export const MAX_DEVICE_IDS = 1_000;

const countryCode = z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code such as IL or KR');
const shortText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const id = shortText(200);

const postProfileInput = z.object({
  appId: id,
  deviceId: id,
  appUserId: shortText(200).nullish(),
  gender: z.string().nullish(),
  maritalStatus: z.string().nullish(),
  parentalStatus: z.string().nullish(),
  age: z.string().nullish(),
  transportation: z.array(z.string()).nullish(),
  pets: z.array(z.string()).nullish(),
  sports: z.array(z.string()).nullish(),
  country: countryCode.nullish(),
  city: shortText(100).nullish(),
  holidayCountries: z.array(countryCode).max(100, 'at most 100 countries').nullish(),
  holidayCities: z.array(shortText(100)).max(100, 'at most 100 cities').nullish(),
  lifeEvents: z.array(z.string()).nullish(),
});
const scannedInput = z.object({
  appId: id,
  deviceId: id,
  count: z.number().int().min(1, 'must be at least 1').max(100_000, 'must be at most 100000'),
});
const filterInput = z.object({
  deviceIds: z.array(id).max(MAX_DEVICE_IDS, `at most ${MAX_DEVICE_IDS} device ids per call; page through the app instead`).nullish(),
  country: z.array(countryCode).nullish(),
});

/** What a refusal calls the app's credential, so that it names the one the caller sent. */
const CREDENTIAL_NAMES: Record<Extract<Principal, { kind: 'app' }>['via'], string> = {
  apiKey: 'API key',
  appKey: 'app key',
  oauth: 'access token',
};

/** API keys, app keys and apps' access tokens belong to one app: asking about another app is refused outright. */
export function requireAppAccess(principal: Principal | null, appId: string): void {
  if (principal?.kind === 'app' && principal.appId !== appId) {
    throw forbidden(`This ${CREDENTIAL_NAMES[principal.via]} belongs to app "${principal.appId}", not "${appId}".`);
  }
}

/** Profiles come from the SDK through the app's server: only an API key of that app writes them. */
function writerOf(auth: AuthState, appId: string): { accountId: string } {
  const principal = principalOf(auth);
  if (principal.kind !== 'app') throw forbidden('Profiles are posted by app servers: use an API key with the profiles:write scope.');
  requireAppAccess(principal, appId);
  return { accountId: principal.accountId };
}

const distinct = <T>(values: readonly T[] | null | undefined) => (values ? [...new Set(values)] : values);

/** Posting profiles and scanned-image counts, and the rules on reading them. */
export function createProfilesService(data: ProfilesData, outbox: Outbox, apps: AppVisibilityService) {
  return {
    /** The filter of a read of an app's profiles, once the caller may see the app. */
    async readFilter(
      appId: string,
      auth: AuthState,
      scope: TenantScope,
      raw: { deviceIds?: readonly string[] | null; filter?: ProfileFilter | null },
    ): Promise<ProfileFilter> {
      await apps.requireVisibleApp(auth, scope, appId);
      const checked = parseInput(filterInput, { deviceIds: raw.deviceIds, country: raw.filter?.country }, 'arguments');
      return { ...raw.filter, deviceIds: checked.deviceIds ?? null };
    },

    async post(auth: AuthState, raw: unknown) {
      const { appId, deviceId, ...fields } = parseInput(postProfileInput, raw);
      const { accountId } = writerOf(auth, appId);
      // Omitted fields keep their values; given lists replace the stored ones (deduplicated).
      const changes = Object.fromEntries(
        Object.entries(fields)
          .filter(([, value]) => value !== undefined && value !== null)
          .map(([key, value]) => [key, Array.isArray(value) ? distinct(value) : value]),
      ) as ProfileChanges;
      // The profile and its event, in one transaction.
      const result = await data.upsert(accountId, { appId, deviceId }, changes, (tx, p) =>
        outbox.enqueue(tx, 'profile.upserted', {
          appId: p.appId,
          accountId: p.accountId,
          deviceId: p.deviceId,
          gender: p.gender,
          maritalStatus: p.maritalStatus,
          parentalStatus: p.parentalStatus,
          age: p.age,
          country: p.country,
        }),
      );
      if (!result.ok) {
        throw result.reason === 'app-user-id-taken'
          ? conflict('input.appUserId: this app user id is linked to another device of the app.', { field: 'input.appUserId' })
          : forbidden("This device's profile for the app belongs to another account.");
      }
      return result.profile;
    },

    async recordScannedImages(auth: AuthState, raw: unknown) {
      const input = parseInput(scannedInput, raw);
      const { accountId } = writerOf(auth, input.appId);
      const result = await data.addScannedImages(accountId, { appId: input.appId, deviceId: input.deviceId }, input.count);
      if (!result.ok) throw forbidden("This device's profile for the app belongs to another account.");
      return result.profile;
    },
  };
}

export type ProfilesService = ReturnType<typeof createProfilesService>;
