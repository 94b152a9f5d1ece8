import { forbidden, parseInput, principalOf, type AuthState } from '@iris/core';
import type { NotificationType, PushPreferenceModel } from '@iris/db';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../../data/index.js';

const tokenInput = z
  .object({
    platform: z.enum(['FCM', 'APNS']),
    token: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(4_096, 'must be at most 4096 characters')
      .regex(/^\S+$/, 'must not contain spaces'),
  })
  .superRefine((input, ctx) => {
    // APNs device tokens are hexadecimal (32 bytes today); a token of another kind would never be accepted.
    if (input.platform === 'APNS' && !/^[0-9a-fA-F]{64,200}$/.test(input.token)) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'an APNs device token is hexadecimal, 64 characters or more (the deviceToken bytes in hex)',
      });
    }
  });

/** The kinds of notification a user chooses to be pushed or not, by the names of `PushPreferences`. */
const PREFERENCE_TYPES = {
  marks: 'MARK_CREATED',
  deviceErrors: 'DEVICE_ERROR',
  deviceStatusChanges: 'DEVICE_STATUS_CHANGED',
  announcements: 'ANNOUNCEMENT',
} as const satisfies Record<string, NotificationType>;
type PreferenceName = keyof typeof PREFERENCE_TYPES;

const preferencesInput = z.object(
  Object.fromEntries(Object.keys(PREFERENCE_TYPES).map((name) => [name, z.boolean().nullish()])) as Record<
    PreferenceName,
    z.ZodOptional<z.ZodNullable<z.ZodBoolean>>
  >,
);

/** A user's push preferences as the API shows them: each kind on unless muted. */
export type PushPreferences = Record<PreferenceName, boolean> & { updatedAt: Date | null };
const preferencesOf = (row: PushPreferenceModel | null): PushPreferences => ({
  ...(Object.fromEntries(Object.entries(PREFERENCE_TYPES).map(([name, type]) => [name, !(row?.mutedTypes ?? []).includes(type)])) as Record<
    PreferenceName,
    boolean
  >),
  updatedAt: row?.updatedAt ?? null,
});

/** The user a push token belongs to: a signed-in user, or the user who consented to an OAuth token. */
function pushUser(auth: AuthState) {
  const principal = principalOf(auth);
  if (!principal.userId) throw forbidden('Push tokens belong to a user: sign in as one (an API key or app key acts for no user).');
  return { userId: principal.userId, accountId: principal.accountId };
}

/** Phone apps register their push token for the signed-in user, so notifications reach them while closed. */
export function createPushTokensService(data: DevicesSubgraphData) {
  return {
    async register(auth: AuthState, raw: unknown) {
      const user = pushUser(auth);
      const input = parseInput(tokenInput, raw);
      return data.pushRegistrations.register({ ...user, platform: input.platform, token: input.token });
    },

    /** The preferences of `userId`, or null when they are not the caller's own (nobody reads another's). */
    async preferencesOf(auth: AuthState, userId: string): Promise<PushPreferences | null> {
      if (principalOf(auth).userId !== userId) return null;
      return preferencesOf(await data.pushPreferences.of(userId));
    },

    /** Turns kinds of notification on or off for the caller's phones; kinds left out keep their setting. */
    async updatePreferences(auth: AuthState, raw: unknown): Promise<PushPreferences> {
      const { userId } = pushUser(auth);
      const input = parseInput(preferencesInput, raw);
      const muted = new Set((await data.pushPreferences.of(userId))?.mutedTypes ?? []);
      for (const [name, type] of Object.entries(PREFERENCE_TYPES)) {
        const on = input[name as PreferenceName];
        if (on === true) muted.delete(type);
        if (on === false) muted.add(type);
      }
      return preferencesOf(await data.pushPreferences.set(userId, [...muted].sort()));
    },

    async unregister(auth: AuthState, raw: unknown) {
      const { userId } = pushUser(auth);
      const input = parseInput(tokenInput, raw);
      // Idempotent, as an app signing out may call it twice: `removed` says whether there was one to remove.
      return { removed: await data.pushRegistrations.unregister(userId, input.platform, input.token) };
    },
  };
}

export type PushTokensService = ReturnType<typeof createPushTokensService>;
