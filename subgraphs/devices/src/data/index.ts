import type { ScopedClient } from '@iris/db';
import { createAccountUsersData } from './accountUsers.js';
import { createCapturesData } from './captures.js';
import { createDevicesData } from './devices.js';
import { createMarksData } from './marks.js';
import { createModesData } from './modes.js';
import { createNotificationsData } from './notifications.js';
import { createPushPreferencesData } from './pushPreferences.js';
import { createPushRegistrationsData } from './pushRegistrations.js';
import { createRetentionData } from './retention.js';
import { createWebhooksData } from './webhooks.js';

/** The devices subgraph's data layer: the only code of this subgraph that talks to Prisma. */
export function createDevicesSubgraphData(prisma: ScopedClient<'devices'>) {
  return {
    devices: createDevicesData(prisma),
    accountUsers: createAccountUsersData(prisma),
    modes: createModesData(prisma),
    captures: createCapturesData(prisma),
    marks: createMarksData(prisma),
    notifications: createNotificationsData(prisma),
    retention: createRetentionData(prisma),
    webhooks: createWebhooksData(prisma),
    pushRegistrations: createPushRegistrationsData(prisma),
    pushPreferences: createPushPreferencesData(prisma),
  };
}

export type DevicesSubgraphData = ReturnType<typeof createDevicesSubgraphData>;
