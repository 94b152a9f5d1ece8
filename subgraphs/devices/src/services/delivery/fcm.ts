import { readFileSync } from 'node:fs';
import type { TokenMessage } from 'firebase-admin/messaging';
import type { PushMessage, PushOutcome, PushProvider } from './push.js';

/** The FCM message for one token: shown by the phone, high priority so a closed app still wakes for it. */
export function buildFcmMessage(token: string, message: PushMessage): TokenMessage {
  return {
    token,
    notification: { title: message.title, body: message.body },
    data: message.data,
    android: { priority: 'high', ...(message.collapseKey ? { collapseKey: message.collapseKey } : {}) },
    apns: { payload: { aps: { sound: 'default' } } },
  };
}

/** FCM error codes that mean the token will never work again (the app was uninstalled or the token rotated). */
const DEAD_TOKEN = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token']);
/** Codes where a later attempt can succeed. */
const RETRYABLE = new Set([
  'messaging/internal-error',
  'messaging/server-unavailable',
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/quota-exceeded',
  'messaging/unknown-error',
]);

/** Translates an error of firebase-admin's `send` into an outcome. */
export function fcmOutcome(err: unknown): PushOutcome {
  const code = String((err as { code?: unknown }).code ?? 'unknown');
  return {
    ok: false,
    error: `FCM ${code}: ${(err as Error).message ?? String(err)}`.slice(0, 500),
    statusCode: null,
    tokenInvalid: DEAD_TOKEN.has(code),
    retryable: RETRYABLE.has(code) || !code.startsWith('messaging/'),
  };
}

/**
 * FCM through firebase-admin, signed in with a service account. The SDK is loaded only here, when FCM
 * is configured: it is large and a deployment without FCM never needs it.
 */
export async function createFcmProvider(serviceAccountPath: string): Promise<PushProvider> {
  const serviceAccount = JSON.parse(readFileSync(serviceAccountPath, 'utf8')) as Record<string, string>;
  const { cert, deleteApp, initializeApp } = await import('firebase-admin/app');
  const { getMessaging } = await import('firebase-admin/messaging');
  // A named app, so that another part of the process using firebase-admin's default app is not disturbed.
  const app = initializeApp({ credential: cert(serviceAccount) }, 'iris-push');
  const messaging = getMessaging(app);
  return {
    platform: 'FCM',
    async send(token, message) {
      try {
        await messaging.send(buildFcmMessage(token, message));
        return { ok: true };
      } catch (err) {
        return fcmOutcome(err);
      }
    },
    close: () => deleteApp(app),
  };
}
