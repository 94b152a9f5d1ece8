import type { EventBus } from '@iris/core';
import { onceByGroup, type Outbox, type SqlClient } from '@iris/db';
import type { AnalyticsData } from './data/index.js';
import type { Services } from './services/index.js';

/**
 * What analytics keeps from other subgraphs' events: each device's activity log, the audience
 * projection, mark statistics, its part of every erasure, and the analysis job of every capture.
 */
export function listenToEvents(events: EventBus, data: AnalyticsData, services: Services, outbox: Outbox, prisma: SqlClient): () => void {
  // Every handler has a group: each runs once per event id, however often the bus delivers it.
  const bus = onceByGroup(events, prisma);
  const stops = [
    bus.subscribe(
      'device.added',
      async ({ payload, occurredAt }) => {
        await data.actions.record({
          accountId: payload.accountId,
          deviceId: payload.deviceId,
          kind: 'DEVICE_ADDED',
          occurredAt: new Date(occurredAt),
        });
      },
      { group: 'analytics' },
    ),
    bus.subscribe(
      'device.deleted',
      async ({ payload, occurredAt }) => {
        await data.actions.record({
          accountId: payload.accountId,
          deviceId: payload.deviceId,
          kind: 'DEVICE_DELETED',
          occurredAt: new Date(occurredAt),
        });
      },
      { group: 'analytics' },
    ),
    bus.subscribe(
      'profile.upserted',
      async ({ payload }) => {
        await data.audience.upsertMember(payload);
      },
      { group: 'analytics' },
    ),
    bus.subscribe(
      'userData.erasureRequested',
      async ({ payload }) => {
        await data.transaction(async (tx) => {
          const audienceMember = await data.audience.eraseMembers(payload, tx);
          await outbox.enqueue(tx, 'userData.erased', { erasureId: payload.erasureId, subgraph: 'analytics', removed: { audienceMember } });
        });
      },
      { group: 'analytics' },
    ),
    bus.subscribe('capture.created', ({ payload }) => services.analysis.enqueueCapture(payload), { group: 'analytics' }),
    bus.subscribe(
      'mark.created',
      async ({ payload }) => {
        await data.markStats.count({ ...payload, createdAt: new Date(payload.createdAt) });
      },
      { group: 'analytics' },
    ),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
