import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { eventStream } from './eventStream.js';
import { InProcessEventBus } from './events.js';

const payload = (deviceId: string) => ({ deviceId, accountId: 'a', status: 'ONLINE', reason: null });

describe('eventStream', () => {
  it('yields matching events in order, from the moment it was created', async () => {
    const bus = new InProcessEventBus(pino({ level: 'silent' }));
    const stream = eventStream(bus, 'device.statusChanged', { filter: (e) => e.payload.deviceId !== 'skip' });
    for (const id of ['d1', 'skip', 'd2']) await bus.publish('device.statusChanged', payload(id));
    await bus.drain();
    expect((await stream.next()).value.payload.deviceId).toBe('d1');
    expect((await stream.next()).value.payload.deviceId).toBe('d2');
    await stream.return!();
    expect((await stream.next()).done).toBe(true);
  });

  it('ends a reader that falls too far behind, without touching other readers', async () => {
    const bus = new InProcessEventBus(pino({ level: 'silent' }));
    const slow = eventStream(bus, 'device.statusChanged', { maxBuffer: 2 });
    const fast = eventStream(bus, 'device.statusChanged');
    for (const id of ['d1', 'd2', 'd3']) await bus.publish('device.statusChanged', payload(id));
    await bus.drain();
    expect((await slow.next()).value.payload.deviceId).toBe('d1');
    expect((await slow.next()).value.payload.deviceId).toBe('d2');
    await expect(slow.next()).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect((await fast.next()).value.payload.deviceId).toBe('d1');
  });
});
