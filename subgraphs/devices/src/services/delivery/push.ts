import type { Config, Logger } from '@iris/core';
import type { PushPlatform } from '@iris/db';
import { createApnsProvider } from './apns.js';
import { createFcmProvider } from './fcm.js';

/** What a phone shows for a notification, and what its app receives with it. */
export interface PushMessage {
  title: string;
  body: string;
  /** Keys the app reads (`notificationId`, `type`, `deviceId`, `markId`): strings only, as FCM requires. */
  data: Record<string, string>;
  /** Notifications with the same key replace each other on the phone (one per device, say). */
  collapseKey?: string;
}

/** How a send went: a provider's refusal says whether trying again can help and whether the token is dead. */
export type PushOutcome = { ok: true } | { ok: false; error: string; statusCode: number | null; retryable: boolean; tokenInvalid: boolean };

/** A push service (FCM, APNs) behind one interface, so the delivery worker knows neither. */
export interface PushProvider {
  readonly platform: PushPlatform;
  send(token: string, message: PushMessage): Promise<PushOutcome>;
  close(): Promise<void>;
}

export type PushProviders = Partial<Record<PushPlatform, PushProvider>>;

/** Why push to a platform is skipped when its provider is not configured, naming what to set. */
export const NOT_CONFIGURED: Record<PushPlatform, string> = {
  FCM: 'FCM push is not configured: set FCM_SERVICE_ACCOUNT_PATH to a Firebase service-account JSON file.',
  APNS: 'APNs push is not configured: set APNS_KEY_PATH, APNS_KEY_ID, APNS_TEAM_ID and APNS_BUNDLE_ID.',
};

/** The providers whose configuration is present; the others stay out, and their pushes are skipped. */
export async function createPushProviders(config: Config, logger: Logger): Promise<PushProviders> {
  const providers: PushProviders = {};
  if (config.FCM_SERVICE_ACCOUNT_PATH) providers.FCM = await createFcmProvider(config.FCM_SERVICE_ACCOUNT_PATH);
  if (config.APNS_KEY_PATH && config.APNS_KEY_ID && config.APNS_TEAM_ID && config.APNS_BUNDLE_ID) {
    providers.APNS = await createApnsProvider({
      keyPath: config.APNS_KEY_PATH,
      keyId: config.APNS_KEY_ID,
      teamId: config.APNS_TEAM_ID,
      bundleId: config.APNS_BUNDLE_ID,
      production: config.APNS_PRODUCTION,
    });
  }
  const missing = (['FCM', 'APNS'] as const).filter((p) => !providers[p]);
  if (missing.length > 0) logger.debug({ missing }, 'push providers not configured: their deliveries are recorded as skipped');
  return providers;
}
