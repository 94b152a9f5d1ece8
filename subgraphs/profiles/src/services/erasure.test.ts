import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger, RedisEventBus, type AuthState } from '@iris/core';
import { openDatabase, Outbox, type Database } from '@iris/db';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createProfilesData } from '../data/profiles.js';
import { listenToEvents } from '../events.js';
import { createServices, type Services } from './index.js';

/**
 * Two profiles instances on one Redis: the participants' reports are taken by whichever instance reads
 * them first (one consumer group), yet the instance that asked answers with the complete receipt as
 * soon as the last report is recorded, instead of waiting out its timeout.
 */
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
const redisAnswers = await probe.connect().then(
  () => true,
  () => false,
);
if (!redisAnswers) console.warn(`No Redis answers at ${REDIS_URL}: the two-instance erasure test is skipped.`);

const prefix = `iris-erasure-test-${randomBytes(4).toString('hex')}:events:`;
const logger = createLogger({ level: 'silent', name: 'test' });
// Longer than the test may run: a waiter that is not woken fails the test instead of answering late.
const WAIT_MS = 10 * 60_000;

let database: Database;
const buses: RedisEventBus[] = [];
const stops: (() => unknown)[] = [];

beforeAll(async () => {
  if (!redisAnswers) return;
  database = await openDatabase({ IRIS_DATA_DIR: 'memory', DATABASE_POOL_SIZE: 1 }, logger);
  const bus = () => {
    const created = new RedisEventBus(REDIS_URL, logger, prefix);
    buses.push(created);
    return created;
  };
  const [busA, busB, analyticsBus] = [bus(), bus(), bus()];
  const instance = (bus: RedisEventBus) => {
    const outbox = new Outbox({ prisma: database.prisma, bus, source: 'profiles', logger });
    outbox.start();
    stops.push(() => outbox.stop());
    return createServices({
      data: createProfilesData(database.prisma),
      outbox,
      erasureWaitMs: WAIT_MS,
      replicationSettled: () => bus.drain(),
    });
  };
  const second = instance(busB);
  first = instance(busA);
  stops.push(listenToEvents(busA, first, database.prisma), listenToEvents(busB, second, database.prisma));
  // Analytics, the other participant: reports what it removed for every request.
  stops.push(
    analyticsBus.subscribe(
      'userData.erasureRequested',
      async ({ payload }) => {
        await analyticsBus.publish('userData.erased', {
          erasureId: payload.erasureId,
          subgraph: 'analytics',
          removed: { faceAnalysis: 0 },
        });
      },
      { group: 'analytics' },
    ),
  );
  // The consumer groups start from the newest event: wait until each group and channel is there.
  await vi.waitFor(
    async () => {
      const groups = async (stream: string) => ((await probe.xinfo('GROUPS', stream).catch(() => [])) as unknown[][]).length;
      expect(await groups(`${prefix}userData.erased`)).toBe(1);
      expect(await groups(`${prefix}userData.erasureRequested`)).toBe(1);
      const [, listeners] = (await probe.pubsub('NUMSUB', `${prefix}userData.erasureCompleted`)) as [string, number];
      expect(listeners).toBe(2);
    },
    { timeout: 60_000, interval: 100 },
  );
}, 120_000);

let first: Services;

afterAll(async () => {
  for (const stop of stops) await stop();
  await Promise.all(buses.map((bus) => bus.close()));
  await database?.close();
  if (redisAnswers) {
    const keys = await probe.keys(`${prefix}*`);
    if (keys.length > 0) await probe.del(...keys);
  }
  probe.disconnect();
});

it.skipIf(!redisAnswers)(
  'completes the receipt on the instance that asked, whichever instance recorded the reports',
  async () => {
    const accountId = randomUUID();
    const auth: AuthState = { principal: { kind: 'user', userId: randomUUID(), accountId, role: 'MAIN' }, credentialError: null };
    // Each report lands on either instance; over several erasures both take some.
    for (let i = 0; i < 8; i++) {
      const receipt = await first.erasure.byOwner(auth, { deviceId: `phone-${i}`, ownerId: accountId });
      expect(receipt.parts.map((part) => part.subgraph).sort()).toEqual(['analytics', 'profiles']);
    }
  },
  120_000,
);
