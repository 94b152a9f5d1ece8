import type { EventBus } from '@iris/core';
import { onceByGroup, type SqlClient } from '@iris/db';
import type { Services } from './services/index.js';

/**
 * What the devices subgraph does on other subgraphs' events (and on its own status changes). Each
 * handler has a group, so runs once per event id however often the bus delivers it.
 */
export function listenToEvents(events: EventBus, services: Services, prisma: SqlClient): () => void {
  const bus = onceByGroup(events, prisma);
  const stops = [
    bus.subscribe('analysis.completed', ({ payload }) => services.marks.onAnalysisCompleted(payload), { group: 'devices' }),
    bus.subscribe('analysis.failed', ({ payload }) => services.marks.onAnalysisFailed(payload), { group: 'devices' }),
    bus.subscribe('device.statusChanged', ({ payload }) => services.notifications.onDeviceStatusChanged(payload), { group: 'devices' }),
    bus.subscribe(
      'account.userAdded',
      async ({ payload }) => {
        await services.devices.onUserAdded(payload);
      },
      { group: 'devices' },
    ),
    bus.subscribe(
      'account.userRemoved',
      async ({ payload }) => {
        await services.devices.onUserRemoved(payload.userId);
      },
      { group: 'devices' },
    ),
    bus.subscribe(
      'account.retentionPlanChanged',
      async ({ payload }) => {
        await services.retention.setPlan(payload.accountId, payload.retentionDays);
      },
      { group: 'devices' },
    ),
    // Its own group: delivery competes with other instances' delivery, not with the work above.
    bus.subscribe('notification.created', ({ payload }) => services.delivery.onNotificationCreated(payload), { group: 'devices-delivery' }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
