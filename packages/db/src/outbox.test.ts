import { randomBytes } from 'node:crypto';
import { InProcessEventBus, type EventBus, type IrisEvent, type Logger } from '@iris/core';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { handleOnce, Outbox, type OutboxOptions } from './outbox.js';

const logger = pino({ level: 'silent' });
const added = (deviceId: string) => ({ deviceId, accountId: 'a1', name: 'Cam', byUserId: 'u1' });

/** An in-process bus whose publications can be refused, as Redis refuses them while it is down. */
class FlakyBus extends InProcessEventBus {
  down = false;
  /** Shared: the relay polls, as it does on Redis. */
  override readonly shared: boolean;
  constructor(logger: Logger, shared = false) {
    super(logger);
    this.shared = shared;
  }
  readonly published: IrisEvent[] = [];
  override async publishEvent(event: IrisEvent): Promise<void> {
    if (this.down) throw new Error('bus unavailable');
    this.published.push(event);
    await super.publishEvent(event);
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pending = async (database: Database, source: string) =>
  Number((await database.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM outbox."OutboxEvent" WHERE source = ${source}`)[0]!.n);

describe('Outbox on PGlite', () => {
  let database: Database;
  const outboxes: Outbox[] = [];
  const outboxOf = (bus: EventBus, source: string, options: Partial<OutboxOptions> = {}) => {
    const outbox = new Outbox({ prisma: database.prisma, bus, source, logger, ...options });
    outboxes.push(outbox);
    return outbox;
  };

  beforeAll(async () => {
    database = await openDatabase({ IRIS_DATA_DIR: 'memory', DATABASE_POOL_SIZE: 4 }, logger);
  }, 120_000);
  afterAll(async () => {
    for (const outbox of outboxes) await outbox.stop();
    await database?.close();
  });

  it('publishes nothing for a transaction that rolled back', async () => {
    const bus = new FlakyBus(logger);
    const outbox = outboxOf(bus, 'rolled-back');
    outbox.start();
    await expect(
      database.prisma.$transaction(async (tx) => {
        await outbox.enqueue(tx, 'device.added', added('d1'));
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    await bus.drain();
    expect(bus.published).toEqual([]);
    expect(await pending(database, 'rolled-back')).toBe(0);
  });

  it('publishes a committed event once, with the row id as the event id, as soon as the transaction commits', async () => {
    const bus = new FlakyBus(logger);
    const seen: IrisEvent<'device.added'>[] = [];
    bus.subscribe('device.added', (event) => void seen.push(event));
    const outbox = outboxOf(bus, 'committed', { pollMs: 60_000 });
    outbox.start();
    const events = await database.prisma.$transaction(async (tx) => [
      await outbox.enqueue(tx, 'device.added', added('d1')),
      ...(await outbox.enqueueMany(tx, 'device.added', [added('d2'), added('d3')])),
    ]);
    // No poll comes within the test (60 s): the commit itself woke the relay, and drain waits for it.
    await bus.drain();
    expect(seen.map((e) => [e.id, e.payload.deviceId])).toEqual(events.map((e) => [e.id, e.payload.deviceId]));
    expect(seen.map((e) => e.payload.deviceId)).toEqual(['d1', 'd2', 'd3']);
    expect(await pending(database, 'committed')).toBe(0);
    await outbox.flush();
    await bus.drain();
    expect(seen).toHaveLength(3);
  });

  it('keeps events while the bus fails and publishes them, in order, once it is back', async () => {
    const bus = new FlakyBus(logger);
    const outbox = outboxOf(bus, 'flaky', { minRetryMs: 20, maxRetryMs: 100 });
    outbox.start();
    bus.down = true;
    for (const id of ['d1', 'd2', 'd3']) await database.prisma.$transaction((tx) => outbox.enqueue(tx, 'device.added', added(id)));
    await bus.drain();
    expect(bus.published).toEqual([]);
    expect(await pending(database, 'flaky')).toBe(3);
    const [row] = await database.prisma.$queryRaw<{ attempts: number; lastError: string }[]>`
      SELECT attempts, "lastError" FROM outbox."OutboxEvent" WHERE source = 'flaky' ORDER BY seq LIMIT 1`;
    expect(row!.attempts).toBeGreaterThan(0);
    expect(row!.lastError).toMatch(/bus unavailable/);

    bus.down = false;
    await waitFor('the events to be published', async () => (await pending(database, 'flaky')) === 0);
    expect(bus.published.map((e) => (e.payload as { deviceId: string }).deviceId)).toEqual(['d1', 'd2', 'd3']);
  });

  it('hands an event asked to be delivered locally to this process at commit, while the bus is down, and once only', async () => {
    const bus = new FlakyBus(logger);
    const seen: string[] = [];
    bus.subscribe('auth.revoked', (event) => void seen.push(event.payload.id));
    const outbox = outboxOf(bus, 'local', { minRetryMs: 20, maxRetryMs: 100 });
    outbox.start();
    bus.down = true;
    const revocation = { subject: 'session' as const, id: 's1', before: Date.now(), until: Date.now() + 60_000 };
    await database.prisma.$transaction((tx) => outbox.enqueue(tx, 'auth.revoked', revocation, { deliverLocally: true }));
    await bus.drain();
    expect(seen).toEqual(['s1']);
    expect(bus.published).toEqual([]);
    bus.down = false;
    await waitFor('the event to be published', () => bus.published.length === 1);
    await bus.drain();
    expect(seen).toEqual(['s1']);
  });

  it('publishes rows left by a process that died before publishing them (the poll)', async () => {
    const bus = new FlakyBus(logger, true);
    // Written as a process would have before dying: committed, never woken for.
    await database.prisma.$executeRaw`
      INSERT INTO outbox."OutboxEvent" (id, source, type, payload) VALUES (gen_random_uuid(), 'orphaned', 'device.added', ${JSON.stringify(added('left'))}::jsonb)`;
    const outbox = outboxOf(bus, 'orphaned', { pollMs: 50 });
    outbox.start();
    await waitFor('the left row to be published', () => bus.published.length === 1);
    expect(await pending(database, 'orphaned')).toBe(0);
  });

  it('runs a consumer once per event id, and again after it failed', async () => {
    const runs: string[] = [];
    let fail = true;
    const handler = handleOnce<'device.added'>(database.prisma, 'test-consumer', (event) => {
      runs.push(event.id);
      if (fail) throw new Error('handler failed');
    });
    const event: IrisEvent<'device.added'> = {
      id: crypto.randomUUID(),
      type: 'device.added',
      occurredAt: new Date().toISOString(),
      payload: added('d1'),
    };
    await expect(handler(event)).rejects.toThrow('handler failed');
    fail = false;
    await handler(event);
    await handler(event);
    await Promise.all([handler(event), handler(event)]);
    expect(runs).toEqual([event.id, event.id]);
    // Another consumer handles the same event on its own.
    await handleOnce(database.prisma, 'other-consumer', (e) => void runs.push(`other ${e.id}`))(event);
    expect(runs).toHaveLength(3);
  });
});

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) console.warn('No DATABASE_URL: the outbox test with several relays on PostgreSQL is skipped.');

describe.skipIf(!DATABASE_URL)('Outbox on PostgreSQL', () => {
  const name = `iris_outbox_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  let databases: Database[] = [];

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(DATABASE_URL!);
    url.pathname = `/${name}`;
    // Two processes: each its own pool on the same database.
    databases = [
      await openDatabase({ DATABASE_URL: url.toString(), IRIS_DATA_DIR: 'memory', DATABASE_POOL_SIZE: 4 }, logger),
      await openDatabase({ DATABASE_URL: url.toString(), IRIS_DATA_DIR: 'memory', DATABASE_POOL_SIZE: 4 }, logger),
    ];
  }, 120_000);
  afterAll(async () => {
    for (const database of databases) await database.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('two relays of one source, woken together, publish every event exactly once', async () => {
    const bus = new FlakyBus(logger);
    const [a, b] = databases.map(
      (database) => new Outbox({ prisma: database.prisma, bus, source: 'devices', logger, pollMs: 10, batchSize: 7 }),
    ) as [Outbox, Outbox];
    a.start();
    b.start();
    const writes = Array.from({ length: 40 }, (_, i) => i);
    await Promise.all(
      writes.map((i) => {
        const [database, outbox] = i % 2 ? [databases[0]!, a] : [databases[1]!, b];
        return database.prisma.$transaction((tx) => outbox.enqueueMany(tx, 'device.added', [added(`d${i}-1`), added(`d${i}-2`)]));
      }),
    );
    // The commit wakes the relay of the process that wrote: drain waits for it.
    await bus.drain();
    await waitFor('every event to be published', async () => bus.published.length >= 80 && (await pending(databases[0]!, 'devices')) === 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all([a.stop(), b.stop()]);
    const ids = bus.published.map((e) => e.id);
    expect(ids).toHaveLength(80);
    expect(new Set(ids).size).toBe(80);
  });

  it('publishes with no poll, as soon as the transaction commits, even while it was still open when woken', async () => {
    const bus = new FlakyBus(logger);
    const outbox = new Outbox({ prisma: databases[0]!.prisma, bus, source: 'slow', logger, pollMs: 60_000 });
    outbox.start();
    await databases[0]!.prisma.$transaction(async (tx) => {
      await outbox.enqueue(tx, 'device.added', added('d1'));
      // The relay looks while the transaction is still open and finds nothing yet.
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    await bus.drain();
    expect(bus.published).toHaveLength(1);
    await outbox.stop();
  });
});
