import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import type { Config, IrisEventMap, Logger } from '@iris/core';
import type { NotificationDeliveryModel, NotificationType, Prisma } from '@iris/db';
import type { DevicesSubgraphData } from '../../data/index.js';
import type { AttemptOutcome } from '../../data/webhooks.js';
import { NOTIFICATION_CREATED, notificationPushMessage, notificationWebhookPayload } from './payloads.js';
import { createPushProviders, NOT_CONFIGURED, type PushMessage, type PushOutcome, type PushProviders } from './push.js';
import { UNREADABLE_SECRET, UnreadableSecretError, WebhookSecretStorage } from './secretStorage.js';
import { signedHeaders } from './signing.js';
import { Agent } from 'undici';
import { checkedLookup, hostOf, NonPublicAddressError, privateAddressProblem, systemResolver, type Resolver } from './urlPolicy.js';

/** Deliveries attempted at once by one process. */
const BATCH = 10;

export interface DeliveryServiceDeps {
  data: DevicesSubgraphData;
  config: Config;
  logger: Logger;
  clock: () => Date;
  /** The push providers; by default those configured (FCM_*, APNS_*), created on first use. */
  push?: () => Promise<PushProviders>;
  /** How endpoints' signing secrets are stored; by default under the keys of `config`. */
  secrets?: WebhookSecretStorage;
  /** How endpoints' host names are resolved when connecting; the system resolver by default. */
  resolve?: Resolver;
}

/** Whether webhook URLs may reach non-public addresses: WEBHOOK_ALLOW_PRIVATE_URLS, else everywhere but production. */
export const privateUrlsAllowed = (config: Config) => config.WEBHOOK_ALLOW_PRIVATE_URLS ?? config.NODE_ENV !== 'production';

/**
 * Notifications that leave Iris: on `notification.created` (a competing consumer: one instance handles
 * each), a delivery row per matching webhook endpoint and push registration of the account; then a loop
 * that claims due rows, sends them, and follows WEBHOOK_RETRY_SCHEDULE until a delivery succeeds or,
 * after the last attempt, becomes a dead letter the account can replay.
 */
export function createDeliveryService({
  data,
  config,
  logger,
  clock,
  push: loadPush,
  secrets = WebhookSecretStorage.fromConfig(config),
  resolve = systemResolver,
}: DeliveryServiceDeps) {
  const allowPrivate = privateUrlsAllowed(config);
  // Every webhook connection resolves its host through the address check and connects to the address
  // checked: the name is not resolved a second time, so it cannot be pointed elsewhere in between.
  let agent: Agent | undefined;
  const connections = () =>
    (agent ??= new Agent({
      connect: { lookup: checkedLookup(resolve, allowPrivate), timeout: config.WEBHOOK_TIMEOUT_MS },
      keepAliveTimeout: 4_000,
    }));
  let providers: Promise<PushProviders> | undefined;
  const push = () =>
    (providers ??= (loadPush ?? (() => createPushProviders(config, logger)))().catch((err: unknown): PushProviders => {
      logger.error({ err }, 'push providers could not start: push deliveries are skipped');
      return {};
    }));
  const schedule = config.WEBHOOK_RETRY_SCHEDULE;
  // A claimed row is not due again until its attempt had time to end: the POST's timeout, and a minute
  // to record the outcome on a busy database. A worker that died mid-attempt is relieved after it.
  const leaseMs = config.WEBHOOK_TIMEOUT_MS + 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  /** What the retry schedule makes of a failed attempt: another one later, or a dead letter. */
  function afterFailure(
    delivery: NotificationDeliveryModel,
    now: Date,
    retryable: boolean,
  ): Pick<AttemptOutcome, 'status' | 'nextAttemptAt'> {
    const wait = retryable ? schedule[delivery.attempts] : undefined;
    return wait === undefined
      ? { status: 'DEAD', nextAttemptAt: null }
      : { status: 'FAILED', nextAttemptAt: new Date(now.getTime() + wait) };
  }

  /**
   * Stores a secret read in plaintext or under an earlier key under the current key. Concurrent callers
   * (other instances, a rotation) are harmless: the row is written only if its secret is still the one read.
   */
  async function restoreSecret(endpoint: { id: string; accountId: string; secret: string; updatedAt: Date }, secret: string) {
    try {
      await data.webhooks.restoreSecret(endpoint, secrets.seal(endpoint.accountId, secret));
    } catch (err) {
      logger.warn({ err, endpointId: endpoint.id }, 'webhook signing secret could not be re-encrypted; it is tried again on next use');
    }
  }

  /** Every stored secret not under the current key (plaintext, or an earlier key), encrypted under it; how many. */
  async function encryptStoredSecrets(): Promise<number> {
    let encrypted = 0;
    let after: string | null = null;
    for (;;) {
      const rows = await data.webhooks.secretsWithout(secrets.currentPrefix, after, 100);
      if (rows.length === 0) return encrypted;
      for (const row of rows) {
        try {
          await restoreSecret(row, secrets.open(row.accountId, row.secret).secret);
          encrypted++;
        } catch (err) {
          if (!(err instanceof UnreadableSecretError)) throw err;
          logger.warn({ endpointId: row.id, reason: err.message }, 'webhook signing secret cannot be decrypted with the configured keys');
        }
      }
      after = rows.at(-1)!.id;
    }
  }

  async function attemptWebhook(delivery: NotificationDeliveryModel): Promise<void> {
    const endpoint = delivery.endpointId ? await data.webhooks.endpoint(delivery.endpointId, null) : null;
    if (!endpoint) return; // deleted meanwhile: its deliveries went with it
    if (!endpoint.enabled) {
      await data.webhooks.settle(delivery.id, 'DEAD', 'The endpoint is disabled; enable it and replay the delivery.');
      return;
    }
    let secret: string;
    try {
      const opened = secrets.open(endpoint.accountId, endpoint.secret);
      if (opened.stale) await restoreSecret(endpoint, opened.secret);
      secret = opened.secret;
    } catch (err) {
      if (!(err instanceof UnreadableSecretError)) throw err;
      await data.webhooks.settle(delivery.id, 'DEAD', UNREADABLE_SECRET);
      logger.warn({ deliveryId: delivery.id, endpointId: endpoint.id, reason: err.message }, 'webhook signing secret cannot be decrypted');
      return;
    }
    const at = clock();
    const started = performance.now();
    const body = JSON.stringify(delivery.payload);
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryable = true;
    // A host name is checked as the connection is made (checkedLookup); an IP address is not looked up, so here.
    const refused = allowPrivate || !isIP(hostOf(endpoint.url)) ? null : await privateAddressProblem(endpoint.url);
    if (refused) {
      error = `Not sent: the URL ${refused}.`;
      retryable = false;
    } else {
      const url = new URL(endpoint.url);
      const signal = AbortSignal.timeout(config.WEBHOOK_TIMEOUT_MS);
      try {
        // A redirect is not followed (undici's request never does): it could lead past the address check,
        // and a receiver should answer itself.
        const response = await connections().request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Iris-Webhooks/1.0',
            ...signedHeaders(secret, delivery.id, at, body),
          },
          body,
          signal,
        });
        statusCode = response.statusCode;
        await response.body.dump();
        if (statusCode < 200 || statusCode >= 300) {
          const text = STATUS_CODES[statusCode];
          error = `The endpoint answered HTTP ${statusCode}${text ? ` ${text}` : ''}; a 2xx status acknowledges a delivery.`;
        }
      } catch (err) {
        const failure = err as Error & { code?: string; cause?: Error & { code?: string } };
        const nonPublic = [failure, failure.cause].find((e) => e instanceof NonPublicAddressError);
        if (nonPublic) {
          error = `Not sent: ${nonPublic.message}.`;
          retryable = false;
        } else if (signal.aborted) {
          error = `No answer within ${config.WEBHOOK_TIMEOUT_MS} ms (WEBHOOK_TIMEOUT_MS).`;
        } else {
          error = `The request failed: ${failure.cause?.code ?? failure.code ?? failure.message}.`;
        }
      }
    }
    const durationMs = Math.round(performance.now() - started);
    const outcome: AttemptOutcome = error
      ? { statusCode, error, durationMs, at, ...afterFailure(delivery, at, retryable) }
      : { statusCode, error: null, durationMs, at, status: 'SUCCEEDED', nextAttemptAt: null };
    await data.webhooks.recordAttempt(delivery.id, outcome);
    if (outcome.status === 'DEAD')
      logger.warn({ deliveryId: delivery.id, endpointId: endpoint.id, error }, 'webhook delivery dead-lettered');
  }

  async function attemptPush(delivery: NotificationDeliveryModel): Promise<void> {
    const [registration] = delivery.pushRegistrationId ? await data.pushRegistrations.byIds([delivery.pushRegistrationId]) : [];
    if (!registration) return; // unregistered meanwhile: its deliveries went with it
    const provider = (await push())[registration.platform];
    if (!provider) {
      await data.webhooks.settle(delivery.id, 'SKIPPED', NOT_CONFIGURED[registration.platform]);
      return;
    }
    const at = clock();
    const started = performance.now();
    let result: PushOutcome;
    try {
      result = await provider.send(registration.token, delivery.payload as unknown as PushMessage);
    } catch (err) {
      result = { ok: false, error: (err as Error).message, statusCode: null, retryable: true, tokenInvalid: false };
    }
    const durationMs = Math.round(performance.now() - started);
    if (!result.ok && result.tokenInvalid) {
      // The app is gone from that phone: forget the token (its deliveries go with it).
      await data.pushRegistrations.forget(registration.id);
      return;
    }
    await data.webhooks.recordAttempt(
      delivery.id,
      result.ok
        ? { status: 'SUCCEEDED', statusCode: null, error: null, durationMs, at, nextAttemptAt: null }
        : { statusCode: result.statusCode, error: result.error, durationMs, at, ...afterFailure(delivery, at, result.retryable) },
    );
  }

  async function attempt(delivery: NotificationDeliveryModel): Promise<void> {
    try {
      await (delivery.channel === 'WEBHOOK' ? attemptWebhook(delivery) : attemptPush(delivery));
    } catch (err) {
      // Left claimed: the lease runs out and the delivery is tried again.
      logger.error({ err, deliveryId: delivery.id }, 'delivery attempt could not be recorded');
    }
  }

  /** Claims and sends due deliveries until none is left. */
  async function drainDue(): Promise<void> {
    do {
      again = false;
      for (;;) {
        const claimed = await data.webhooks.claimDue(clock(), leaseMs, BATCH);
        if (claimed.length === 0) break;
        await Promise.all(claimed.map(attempt));
        if (stopped) return;
      }
    } while (again && !stopped);
  }

  /** Runs the loop now (or once more right after the run in progress). */
  function poke(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = drainDue()
      .catch((err: unknown) => logger.error({ err }, 'delivery loop failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    /** `notification.created`: a delivery per enabled endpoint taking its type, and per push registration of the account. */
    async onNotificationCreated(event: IrisEventMap['notification.created']) {
      const [notification] = await data.notifications.notificationsByIds([event.notificationId], {});
      if (!notification) return;
      const now = clock();
      const type = notification.type as NotificationType;
      const [endpoints, accountRegistrations] = await Promise.all([
        data.webhooks.endpointsFor(notification.accountId, type),
        data.pushRegistrations.ofAccount(notification.accountId),
      ]);
      // Users who turned this kind of notification off (updatePushPreferences) get no push for it.
      const muting = await data.pushPreferences.muting(
        accountRegistrations.map((registration) => registration.userId),
        type,
      );
      const registrations = accountRegistrations.filter((registration) => !muting.has(registration.userId));
      const base = { accountId: notification.accountId, notificationId: notification.id, eventType: NOTIFICATION_CREATED };
      const webhookPayload = notificationWebhookPayload(notification) as unknown as Prisma.InputJsonValue;
      const pushMessage = notificationPushMessage(notification) as unknown as Prisma.InputJsonValue;
      const configured = await push();
      await data.webhooks.createDeliveries([
        ...endpoints.map((endpoint) => ({
          ...base,
          channel: 'WEBHOOK' as const,
          endpointId: endpoint.id,
          payload: webhookPayload,
          nextAttemptAt: now,
        })),
        ...registrations.map((registration) =>
          configured[registration.platform]
            ? { ...base, channel: 'PUSH' as const, pushRegistrationId: registration.id, payload: pushMessage, nextAttemptAt: now }
            : {
                ...base,
                channel: 'PUSH' as const,
                pushRegistrationId: registration.id,
                payload: pushMessage,
                status: 'SKIPPED' as const,
                lastError: NOT_CONFIGURED[registration.platform],
              },
        ),
      ]);
      if (!stopped && (endpoints.length > 0 || registrations.length > 0)) void poke();
    },

    /** Sends what is due now (a new, test or replayed delivery) instead of at the next poll. */
    poke: () => {
      if (!stopped) void poke();
    },

    /** See {@link encryptStoredSecrets}; also run by `start`. */
    encryptStoredSecrets,

    start() {
      if (!stopped) return;
      stopped = false;
      void push();
      // Rows written before secrets were encrypted, or under a key being rotated out, are moved to the current key.
      encryptStoredSecrets()
        .then((count) => {
          if (count > 0) logger.info({ count }, 'webhook signing secrets encrypted under the current key');
        })
        .catch((err: unknown) => logger.error({ err }, 'webhook signing secrets could not be re-encrypted; they are on next use'));
      timer = setInterval(() => void poke(), config.WEBHOOK_POLL_INTERVAL_MS);
      timer.unref();
      void poke();
    },

    /** Stops claiming; attempts in flight finish (each bounded by WEBHOOK_TIMEOUT_MS) and are recorded. */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await agent?.close();
      agent = undefined;
      if (providers) await Promise.all(Object.values(await providers).map((provider) => provider.close()));
      providers = undefined;
    },
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;
