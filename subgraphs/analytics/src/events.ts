import type { EventBus } from '@iris/core';
import type { AnalyticsData } from './data/index.js';

/**
 * What analytics keeps from other subgraphs' events: each device's activity log (devices), the
 * audience projection (profiles), and its part of every erasure of a phone's data.
 */
export function listenToEvents(bus: EventBus, data: AnalyticsData): () => void {
  const stops = [
    bus.subscribe('device.added', async ({ payload, occurredAt }) => {
      await data.actions.record({ accountId: payload.accountId, deviceId: payload.deviceId, kind: 'DEVICE_ADDED', occurredAt: new Date(occurredAt) });
    }),
    bus.subscribe('device.deleted', async ({ payload, occurredAt }) => {
      await data.actions.record({ accountId: payload.accountId, deviceId: payload.deviceId, kind: 'DEVICE_DELETED', occurredAt: new Date(occurredAt) });
    }),
    bus.subscribe('profile.upserted', async ({ payload }) => {
      await data.audience.upsertMember(payload);
    }),
    bus.subscribe('userData.erasureRequested', async ({ payload }) => {
      const audienceMember = await data.audience.eraseMembers(payload);
      await bus.publish('userData.erased', { erasureId: payload.erasureId, subgraph: 'analytics', removed: { audienceMember } });
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
