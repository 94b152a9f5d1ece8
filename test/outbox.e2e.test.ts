import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO } from '@iris/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { ownRedis, redisServerPath, type OwnRedis } from './support/redisServer.js';

/**
 * No event is lost to a bus outage: a subgraph writes its rows and the events they imply in one
 * transaction (the outbox), and its relay publishes them. With Redis stopped, a mutation still
 * succeeds (a revoking one too, and its revocation holds in the process that made it at once), and
 * its event reaches subscribers once Redis is back. This test runs its own redis-server, without
 * persistence, so stopping it touches no one else's.
 */
if (!redisServerPath) console.warn('redis-server is not installed: the outbox test with Redis stopped is skipped.');

let redis: OwnRedis | undefined;
let graph: TestGraph;
let admin: string;
const clients: Client[] = [];

async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 45_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const pendingEvents = async () =>
  Number((await graph.database.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM outbox."OutboxEvent"`)[0]!.n);

beforeAll(async () => {
  if (!redisServerPath) return;
  redis = await ownRedis();
  await redis.start();
  graph = await startTestGraph({ REDIS_URL: redis.url });
  admin = await graph.login(DEMO.adminUser.email);
}, 90_000);

afterAll(async () => {
  for (const client of clients) await client.dispose();
  // Back up before the graph stops, so its relays' last flush has a bus.
  if (redis && !redis.running) await redis.start().catch(() => undefined);
  // The analysis queue's worker stops only once it is connected again.
  await graph?.drainJobs();
  await graph?.stop();
  await redis?.kill();
}, 60_000);

/** The marks the demo owner's subscription receives, in order. */
function subscribeToMarks(token: string): string[] {
  const received: string[] = [];
  const client = createClient({
    url: graph.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  client.subscribe<{ deviceMarkCreated: { id: string } }>(
    { query: `subscription { deviceMarkCreated(filter: { deviceId: "${DEMO.device.id}" }) { id } }` },
    { next: (value) => void (value.data && received.push(value.data.deviceMarkCreated.id)), error: () => {}, complete: () => {} },
  );
  return received;
}

const createMark = async () => {
  const result = await graph.request<{ createDeviceMark: { id: string } }>(
    `mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`,
    {},
    { token: admin },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.createDeviceMark.id;
};

it.skipIf(!redisServerPath)(
  'Redis stopped during a mutation: the mutation succeeds, and its event arrives once Redis is back',
  async () => {
    const owner = await graph.login();
    const received = subscribeToMarks(owner);
    // The subscription is live once a mark made now reaches it.
    await waitFor('a first mark to reach the subscriber', async () => {
      const id = await createMark();
      await sleep(200);
      return received.includes(id);
    });

    await redis!.kill();
    const made = await createMark();
    // Committed with its event: the row waits in the outbox while the bus is down.
    await waitFor('the event to wait in the outbox', async () => (await pendingEvents()) > 0, 10_000);
    expect(received).not.toContain(made);

    // A revoking mutation succeeds too, and this process refuses the token at once.
    const session = (
      await graph.request(`mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`, {
        input: { email: DEMO.mainUser.email, password: DEMO.password },
      })
    ).data!.login as { accessToken: string; refreshToken: string };
    const logout = await graph.request(`mutation($t: String!) { logout(input: { refreshToken: $t }) { revoked } }`, {
      t: session.refreshToken,
    });
    expect(logout.errors).toBeUndefined();
    // Refused by this process as soon as the logout committed: the bus is still down.
    const me = await waitFor(
      'the revoked token to be refused',
      async () => {
        const result = await graph.request(`{ me { email } }`, {}, { token: session.accessToken });
        return result.errors ? result : null;
      },
      2_000,
    );
    expect(me.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });

    await redis!.start();
    await waitFor('the mark made while Redis was down to reach the subscriber', () => received.includes(made));
    await waitFor('the outbox to be empty', async () => (await pendingEvents()) === 0);
    expect(received.filter((id) => id === made)).toHaveLength(1);
  },
  120_000,
);
