import { forbidden, parseInput, principalOf, type AuthState } from '@iris/core';
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

    async unregister(auth: AuthState, raw: unknown) {
      const { userId } = pushUser(auth);
      const input = parseInput(tokenInput, raw);
      // Idempotent, as an app signing out may call it twice: `removed` says whether there was one to remove.
      return { removed: await data.pushRegistrations.unregister(userId, input.platform, input.token) };
    },
  };
}

export type PushTokensService = ReturnType<typeof createPushTokensService>;
