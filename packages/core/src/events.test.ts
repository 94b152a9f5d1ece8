import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from './events.js';

describe('InProcessEventBus', () => {
  it('delivers after publish returns, to every subscriber of the type, and survives a failing handler', async () => {
    const bus = new InProcessEventBus(pino({ level: 'silent' }));
    const seen: string[] = [];
    bus.subscribe('device.added', () => {
      throw new Error('handler bug');
    });
    bus.subscribe('device.added', (event) => void seen.push(event.payload.deviceId));
    const stop = bus.subscribe('device.deleted', (event) => void seen.push(`deleted ${event.payload.deviceId}`));
    stop();

    const event = await bus.publish('device.added', { deviceId: 'd1', accountId: 'a1', name: 'Cam', byUserId: 'u1' });
    await bus.publish('device.deleted', { deviceId: 'd1', accountId: 'a1', byUserId: 'u1' });
    expect(seen).toEqual([]);
    await bus.drain();
    expect(seen).toEqual(['d1']);
    expect(event).toMatchObject({ type: 'device.added', id: expect.any(String), occurredAt: expect.any(String) });
  });
});
