import { readFileSync } from 'node:fs';
import type { NotificationOptions } from 'apns2';
import type { PushMessage, PushOutcome, PushProvider } from './push.js';

export interface ApnsSettings {
  keyPath: string;
  keyId: string;
  teamId: string;
  bundleId: string;
  production: boolean;
}

/** The APNs alert for one notification: title and body shown, the data beside `aps` for the app. */
export function buildApnsOptions(message: PushMessage, bundleId: string): NotificationOptions {
  return {
    alert: { title: message.title, body: message.body },
    sound: 'default',
    topic: bundleId,
    data: message.data,
    ...(message.collapseKey ? { collapseId: message.collapseKey.slice(0, 64) } : {}),
  };
}

/** APNs reasons that mean the token will never work again. */
const DEAD_TOKEN = new Set(['BadDeviceToken', 'Unregistered', 'DeviceTokenNotForTopic']);

/** Translates an error of apns2's `send` (an ApnsError, or a network error) into an outcome. */
export function apnsOutcome(err: unknown): PushOutcome {
  const statusCode = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : null;
  const reason = String((err as { reason?: unknown }).reason ?? (err as Error).message ?? err);
  return {
    ok: false,
    error: `APNs ${statusCode ?? 'error'} ${reason}`.slice(0, 500),
    statusCode,
    tokenInvalid: DEAD_TOKEN.has(reason),
    // Throttling, Apple's side, or no answer at all: worth another try; a refused request is not.
    retryable: statusCode === null || statusCode === 429 || statusCode >= 500,
  };
}

/** APNs over HTTP/2 with a token-based (`.p8`) key, through apns2, loaded only when APNs is configured. */
export async function createApnsProvider(settings: ApnsSettings): Promise<PushProvider> {
  const { ApnsClient, Host, Notification } = await import('apns2');
  const client = new ApnsClient({
    team: settings.teamId,
    keyId: settings.keyId,
    signingKey: readFileSync(settings.keyPath),
    defaultTopic: settings.bundleId,
    host: settings.production ? Host.production : Host.development,
    requestTimeout: 10_000,
  });
  return {
    platform: 'APNS',
    async send(token, message) {
      try {
        await client.send(new Notification(token, buildApnsOptions(message, settings.bundleId)));
        return { ok: true };
      } catch (err) {
        return apnsOutcome(err);
      }
    },
    close: () => client.close(),
  };
}
