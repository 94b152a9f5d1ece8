import type { EventBus } from '@iris/core';
import type { ActionsData } from './data/actions.js';

/** Analytics keeps each device's activity log from what the devices subgraph publishes. */
export function listenToDeviceEvents(bus: EventBus, data: ActionsData): () => void {
  const stops = [
    bus.subscribe('device.added', async ({ payload, occurredAt }) => {
      await data.record({ accountId: payload.accountId, deviceId: payload.deviceId, kind: 'DEVICE_ADDED', occurredAt: new Date(occurredAt) });
    }),
    bus.subscribe('device.deleted', async ({ payload, occurredAt }) => {
      await data.record({ accountId: payload.accountId, deviceId: payload.deviceId, kind: 'DEVICE_DELETED', occurredAt: new Date(occurredAt) });
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
