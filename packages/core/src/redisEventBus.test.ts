import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { IrisEvent } from './events.js';
import { createLogger } from './logger.js';
import { RedisEventBus } from './redisEventBus.js';

/**
 * The consumer groups of the Redis bus lose no event: an entry left pending by a consumer that died is
 * taken over by a live one, and a failing handler's entry is delivered again, a bounded number of times.
 */
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
const redisAnswers = await redis.connect().then(
  () => true,
  () => false,
);
if (!redisAnswers) console.warn(`No Redis answers at ${REDIS_URL}: the Redis event bus test is skipped.`);

const prefix = `iris-bus-test-${randomBytes(4).toString('hex')}:events:`;
const stream = `${prefix}device.deleted`;
const logger = createLogger({ level: 'silent', name: 'test' });
const buses: RedisEventBus[] = [];
const bus = () => {
  const created = new RedisEventBus(REDIS_URL, logger, prefix, { reclaimIdleMs: 200, maxDeliveries: 3 });
  buses.push(created);
  return created;
};
const payload = () => ({ deviceId: randomUUID(), accountId: randomUUID(), byUserId: randomUUID() });
const pendingOf = async (group: string) => ((await redis.xpending(stream, group)) as [number, ...unknown[]])[0];

afterAll(async () => {
  if (!redisAnswers) return;
  await Promise.all(buses.map((created) => created.close()));
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe.skipIf(!redisAnswers)('RedisEventBus consumer groups', () => {
  it('hands a live consumer the entries a dead consumer left pending', async () => {
    const group = 'reclaim';
    await redis.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
    const event = await bus().publish('device.deleted', payload());
    // A consumer reads the entry and dies before acknowledging it.
    const read = (await redis.xreadgroup('GROUP', group, 'dead-consumer', 'COUNT', 10, 'STREAMS', stream, '>')) as [string, unknown[]][];
    expect(read[0]![1]).toHaveLength(1);

    const handled: IrisEvent[] = [];
    bus().subscribe('device.deleted', (received) => void handled.push(received), { group });
    await vi.waitFor(() => expect(handled.map((received) => received.id)).toContain(event.id), { timeout: 20_000, interval: 50 });
    await vi.waitFor(async () => expect(await pendingOf(group)).toBe(0), { timeout: 20_000, interval: 50 });
  });

  it('delivers a failed event again until its handler succeeds', async () => {
    const group = 'retry';
    let calls = 0;
    const handled: string[] = [];
    const consumer = bus();
    consumer.subscribe(
      'device.deleted',
      (received) => {
        calls += 1;
        if (calls === 1) throw new Error('the first delivery fails');
        handled.push(received.id);
      },
      { group },
    );
    // The group exists once the subscription made it; what is published from then on is read.
    await vi.waitFor(
      async () => expect(((await redis.xinfo('GROUPS', stream)) as string[][]).some((info) => info.includes(group))).toBe(true),
      { timeout: 20_000, interval: 50 },
    );
    const event = await consumer.publish('device.deleted', payload());
    await vi.waitFor(() => expect(handled).toEqual([event.id]), { timeout: 20_000, interval: 50 });
    await vi.waitFor(async () => expect(await pendingOf(group)).toBe(0), { timeout: 20_000, interval: 50 });
  });

  it('drops a poison event after its last delivery instead of delivering it forever', async () => {
    const group = 'poison';
    let calls = 0;
    const consumer = bus();
    consumer.subscribe(
      'device.deleted',
      () => {
        calls += 1;
        throw new Error('this handler always fails');
      },
      { group },
    );
    await vi.waitFor(
      async () => expect(((await redis.xinfo('GROUPS', stream)) as string[][]).some((info) => info.includes(group))).toBe(true),
      { timeout: 20_000, interval: 50 },
    );
    await consumer.publish('device.deleted', payload());
    await vi.waitFor(async () => expect(await pendingOf(group)).toBe(0), { timeout: 20_000, interval: 50 });
    // Three deliveries (the limit), then acknowledged unhandled: no fourth, however long one waits.
    expect(calls).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(calls).toBe(3);
  });
});
