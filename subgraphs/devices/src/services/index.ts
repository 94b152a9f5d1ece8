import type { BlobStorage, Config, EventBus, Logger, UrlSigner } from '@iris/core';
import type { Outbox } from '@iris/db';
import type { DevicesSubgraphData } from '../data/index.js';
import { createCapturesService } from './captures.js';
import { createDeliveryService, createPushTokensService, createWebhooksService, WebhookSecretStorage } from './delivery/index.js';
import { createDevicesService } from './devices.js';
import { createMarksService } from './marks.js';
import { createModesService } from './modes.js';
import { createNotificationsService } from './notifications.js';
import { createRetentionService } from './retention.js';

export interface ServiceDeps {
  data: DevicesSubgraphData;
  bus: EventBus;
  /** Where the events of this subgraph's writes go, in the writes' transactions. */
  outbox: Outbox;
  storage: BlobStorage;
  signer: UrlSigner;
  config: Config;
  logger: Logger;
  publicUrl: () => string;
  clock: () => Date;
}

/** The devices subgraph's rules, built once per process. */
export function createServices(deps: ServiceDeps) {
  const { data, bus, outbox, storage, signer, config, logger, publicUrl, clock } = deps;
  const devices = createDevicesService(data, outbox, clock);
  const captures = createCapturesService(data, devices, storage, signer, outbox, publicUrl, clock);
  const webhookSecrets = WebhookSecretStorage.fromConfig(config);
  const delivery = createDeliveryService({ data, config, logger, clock, secrets: webhookSecrets });
  return {
    devices,
    captures,
    modes: createModesService(data, clock),
    marks: createMarksService(data, captures, outbox, logger, clock),
    notifications: createNotificationsService(data, outbox, clock),
    retention: createRetentionService(data, storage, config, logger, clock),
    delivery,
    webhooks: createWebhooksService(data, delivery, webhookSecrets, config, clock),
    webhookSecrets,
    pushTokens: createPushTokensService(data),
    signer,
    bus,
    clock,
    config,
  };
}

export type Services = ReturnType<typeof createServices>;
