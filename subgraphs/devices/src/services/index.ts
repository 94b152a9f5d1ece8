import type { BlobStorage, Config, EventBus, Logger, UrlSigner } from '@iris/core';
import type { DevicesSubgraphData } from '../data/index.js';
import { createCapturesService } from './captures.js';
import { createDeliveryService, createPushTokensService, createWebhooksService } from './delivery/index.js';
import { createDevicesService } from './devices.js';
import { createMarksService } from './marks.js';
import { createModesService } from './modes.js';
import { createNotificationsService } from './notifications.js';
import { createRetentionService } from './retention.js';

export interface ServiceDeps {
  data: DevicesSubgraphData;
  bus: EventBus;
  storage: BlobStorage;
  signer: UrlSigner;
  config: Config;
  logger: Logger;
  publicUrl: () => string;
  clock: () => Date;
}

/** The devices subgraph's rules, built once per process. */
export function createServices(deps: ServiceDeps) {
  const { data, bus, storage, signer, config, logger, publicUrl, clock } = deps;
  const devices = createDevicesService(data, bus, clock);
  const captures = createCapturesService(data, devices, storage, signer, bus, publicUrl, clock);
  const delivery = createDeliveryService({ data, config, logger, clock });
  return {
    devices,
    captures,
    modes: createModesService(data, clock),
    marks: createMarksService(data, captures, bus, logger, clock),
    notifications: createNotificationsService(data, bus, clock),
    retention: createRetentionService(data, storage, config, logger, clock),
    delivery,
    webhooks: createWebhooksService(data, delivery, config, clock),
    pushTokens: createPushTokensService(data),
    signer,
    bus,
    clock,
    config,
  };
}

export type Services = ReturnType<typeof createServices>;
