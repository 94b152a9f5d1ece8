/**
 * Notifications that leave Iris: an account's webhook endpoint receives each notification as a signed
 * POST (Standard Webhooks), retried on the schedule of WEBHOOK_RETRY_SCHEDULE, dead-lettered after the
 * last attempt and replayable, with a delivery log; push tokens without a configured provider are
 * recorded as skipped. The receiver is a local HTTP server (private addresses are allowed outside
 * production).
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO, type Logger } from '@iris/core';
import { scopedClient } from '@iris/db';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevicesSubgraphData } from '../subgraphs/devices/src/data/index.js';
import { createDeliveryService } from '../subgraphs/devices/src/services/delivery/index.js';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { createTenant } from './support/tenants.js';

/** What the receiver got: the raw body and headers of each request, by path. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A local webhook receiver; each path answers what `behaviour` says for its n-th request (1-based). */
class Receiver {
  readonly requests = new Map<string, Received[]>();
  readonly behaviour = new Map<string, (n: number) => number>();
  #server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const list = this.requests.get(path) ?? [];
      const answered = (this.behaviour.get(path) ?? (() => 200))(list.length + 1);
      list.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      this.requests.set(path, list);
      response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'not now');
    });
  });
  url = '';

  async start() {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  stop() {
    return new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
  at(path: string) {
    return this.requests.get(path) ?? [];
  }
}

const ENDPOINT_FIELDS = 'id url enabled eventTypes secretHint';
const DELIVERY_FIELDS =
  'id eventType status attempts lastStatusCode lastError deliveredAt payload notification { id type } attemptLog { number statusCode error durationMs }';

interface Delivery {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  payload: string;
  notification: { id: string; type: string } | null;
  attemptLog: { number: number; statusCode: number | null; error: string | null; durationMs: number }[];
}

let graph: TestGraph;
const receiver = new Receiver();
let mainToken: string;
let adminToken: string;

beforeAll(async () => {
  await receiver.start();
  // Three attempts, a few hundred milliseconds apart: the schedule a deployment sets in minutes.
  graph = await startTestGraph({ WEBHOOK_RETRY_SCHEDULE: '100ms,200ms', WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_TIMEOUT_MS: '5000' });
  mainToken = await graph.login();
  adminToken = await graph.login(DEMO.adminUser.email);
}, 120_000);
afterAll(async () => {
  await graph?.stop();
  await receiver.stop();
});

const asMain = <T = any>(query: string, variables: Record<string, unknown> = {}) =>
  graph.request<T>(query, variables, { token: mainToken });

async function createEndpoint(path: string, extra: Record<string, unknown> = {}) {
  const result = await asMain(
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT_FIELDS} } } }`,
    { input: { url: `${receiver.url}${path}`, ...extra } },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.createWebhookEndpoint as {
    secret: string;
    endpoint: { id: string; url: string; secretHint: string; eventTypes: string[] };
  };
}

/** A MARK_CREATED notification for the demo account, as the capture pipeline makes one. */
async function makeMark(): Promise<string> {
  const result = await graph.request(
    `mutation($d: ID!) { createDeviceMark(input: { deviceId: $d }) { id } }`,
    { d: DEMO.device.id },
    { token: adminToken },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.createDeviceMark.id as string;
}

async function deliveriesOf(endpointId: string, token = mainToken): Promise<Delivery[]> {
  const result = await graph.request(
    `{ me { account { webhookEndpoints { nodes { id deliveries(first: 50) { totalCount nodes { ${DELIVERY_FIELDS} } } } } } } }`,
    {},
    { token },
  );
  expect(result.errors).toBeUndefined();
  const endpoint = (result.data!.me.account.webhookEndpoints.nodes as { id: string; deliveries: { nodes: Delivery[] } }[]).find(
    (e) => e.id === endpointId,
  );
  return endpoint?.deliveries.nodes ?? [];
}

/** Waits (without a fixed sleep) until the endpoint's delivery that `pick` finds is in `status`. */
async function deliveryIn(endpointId: string, status: string, pick: (d: Delivery) => boolean = () => true): Promise<Delivery> {
  let found: Delivery | undefined;
  await expect
    .poll(
      async () => {
        found = (await deliveriesOf(endpointId)).find(pick);
        return found?.status;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBe(status);
  return found!;
}

const verify = (secret: string, request: Received) =>
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };

describe('webhook delivery', () => {
  it('retries a receiver that fails twice, and delivers on the third attempt with a valid signature', async () => {
    receiver.behaviour.set('/flaky', (n) => (n <= 2 ? 500 : 204));
    const { secret, endpoint } = await createEndpoint('/flaky', { eventTypes: ['MARK_CREATED'], description: 'Backend' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.secretHint).toBe(`${secret.slice(0, 10)}…`);
    expect(endpoint.eventTypes).toEqual(['MARK_CREATED']);

    const markId = await makeMark();
    const delivery = await deliveryIn(endpoint.id, 'SUCCEEDED');
    expect(delivery).toMatchObject({
      eventType: 'notification.created',
      attempts: 3,
      lastStatusCode: 204,
      lastError: null,
      notification: { type: 'MARK_CREATED' },
    });
    expect(delivery.attemptLog.map((a) => [a.number, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 204],
    ]);
    expect(delivery.attemptLog[0]!.error).toMatch(/HTTP 500/);

    const requests = receiver.at('/flaky');
    expect(requests.map((r) => r.answered)).toEqual([500, 500, 204]);
    // Every attempt carries the same webhook-id (the delivery's), so a receiver can drop duplicates.
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    for (const request of requests) {
      const body = verify(secret, request);
      expect(body).toMatchObject({
        type: 'notification.created',
        data: { markId, type: 'MARK_CREATED', accountId: DEMO.account.id, deviceId: DEMO.device.id },
      });
    }
    expect(requests[2]!.body).toBe(delivery.payload);
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
        requests[2]!.body,
        requests[2]!.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('dead-letters a delivery after the last attempt, and replays it', async () => {
    let accepting = false;
    receiver.behaviour.set('/down', () => (accepting ? 200 : 503));
    const { secret, endpoint } = await createEndpoint('/down');
    await makeMark();
    const dead = await deliveryIn(endpoint.id, 'DEAD');
    expect(dead).toMatchObject({ attempts: 3, lastStatusCode: 503 });
    expect(dead.lastError).toMatch(/HTTP 503/);
    expect(dead.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 503]);
    expect(receiver.at('/down')).toHaveLength(3);

    // Replaying a delivery that is still dead-lettered works; one still being attempted is refused.
    accepting = true;
    const replayed = await asMain(`mutation($id: ID!) { replayWebhookDelivery(input: { id: $id }) { id status attempts } }`, {
      id: dead.id,
    });
    expect(replayed.errors).toBeUndefined();
    expect(replayed.data!.replayWebhookDelivery).toMatchObject({ id: dead.id });
    const delivered = await deliveryIn(endpoint.id, 'SUCCEEDED', (d) => d.id === dead.id);
    expect(delivered.attempts).toBe(1);
    expect(delivered.attemptLog.map((a) => [a.number, a.statusCode])).toEqual([
      [1, 503],
      [2, 503],
      [3, 503],
      [4, 200],
    ]);
    const last = receiver.at('/down').at(-1)!;
    expect(last.headers['webhook-id']).toBe(dead.id);
    expect(verify(secret, last).type).toBe('notification.created');

    // Every dead letter of an endpoint at once.
    accepting = false;
    await makeMark();
    const second = await deliveryIn(endpoint.id, 'DEAD', (d) => d.id !== dead.id);
    accepting = true;
    const all = await asMain(`mutation($e: ID!) { replayDeadWebhookDeliveries(input: { endpointId: $e }) { replayedCount } }`, {
      e: endpoint.id,
    });
    expect(all.data).toEqual({ replayDeadWebhookDeliveries: { replayedCount: 1 } });
    await deliveryIn(endpoint.id, 'SUCCEEDED', (d) => d.id === second.id);
  });

  it('sends a signed test message, and signs with the new secret once rotated', async () => {
    const { secret, endpoint } = await createEndpoint('/test');
    const sent = await asMain(`mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { id eventType status } }`, {
      e: endpoint.id,
    });
    expect(sent.data!.sendTestWebhook).toMatchObject({ eventType: 'webhook.test' });
    await deliveryIn(endpoint.id, 'SUCCEEDED', (d) => d.id === sent.data!.sendTestWebhook.id);
    expect(verify(secret, receiver.at('/test')[0]!)).toMatchObject({ type: 'webhook.test', data: { endpointId: endpoint.id } });

    const rotated = await asMain(
      `mutation($id: ID!) { rotateWebhookEndpointSecret(input: { id: $id }) { secret endpoint { secretHint } } }`,
      { id: endpoint.id },
    );
    const newSecret = rotated.data!.rotateWebhookEndpointSecret.secret as string;
    expect(newSecret).not.toBe(secret);
    const again = await asMain(`mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { id } }`, { e: endpoint.id });
    await deliveryIn(endpoint.id, 'SUCCEEDED', (d) => d.id === again.data!.sendTestWebhook.id);
    const latest = receiver.at('/test')[1]!;
    expect(verify(newSecret, latest).type).toBe('webhook.test');
    expect(() => verify(secret, latest)).toThrow();
  });

  it('sends an endpoint only the notification types it takes, and nothing while disabled', async () => {
    const { endpoint } = await createEndpoint('/errors-only', { eventTypes: ['DEVICE_ERROR'] });
    const { endpoint: off } = await createEndpoint('/off', { enabled: false });
    // An announcement reaches every endpoint taking all types: once /flaky and /down have it, these were passed over.
    const { endpoint: all } = await createEndpoint('/all');
    await graph.request(
      `mutation($a: ID!) { createNotification(input: { accountId: $a, title: "Maintenance", body: "Tonight." }) { id } }`,
      { a: DEMO.account.id },
      { token: adminToken },
    );
    await deliveryIn(all.id, 'SUCCEEDED');
    await graph.settle();
    expect(await deliveriesOf(endpoint.id)).toEqual([]);
    expect(await deliveriesOf(off.id)).toEqual([]);
  });

  it('refuses bad endpoints with BAD_USER_INPUT naming the field', async () => {
    for (const url of ['ftp://example.com/hook', 'not a url', 'https://user:pass@example.com/hook']) {
      const result = await asMain(`mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { secret } }`, { u: url });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
    }
    const missing = await asMain(`mutation { replayWebhookDelivery(input: { id: "00000000-0000-0000-0000-000000000000" }) { id } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('signing secrets at rest', () => {
  it('are stored encrypted: the row holds no plaintext secret, and deliveries are still signed with it', async () => {
    const { secret, endpoint } = await createEndpoint('/at-rest');
    const stored = async () => (await graph.database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).secret;
    const row = await stored();
    expect(row).toMatch(/^enc:v1:/);
    expect(row).not.toContain(secret);
    expect(row).not.toContain(secret.slice('whsec_'.length, 'whsec_'.length + 16));
    const sent = await asMain(`mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { id } }`, { e: endpoint.id });
    await deliveryIn(endpoint.id, 'SUCCEEDED', (d) => d.id === sent.data!.sendTestWebhook.id);
    expect(verify(secret, receiver.at('/at-rest')[0]!).type).toBe('webhook.test');

    // Rotated: the new secret is stored encrypted as well.
    const rotated = await asMain(`mutation($id: ID!) { rotateWebhookEndpointSecret(input: { id: $id }) { secret } }`, { id: endpoint.id });
    const newSecret = rotated.data!.rotateWebhookEndpointSecret.secret as string;
    const rotatedRow = await stored();
    expect(rotatedRow).toMatch(/^enc:v1:/);
    expect(rotatedRow).not.toBe(row);
    expect(rotatedRow).not.toContain(newSecret);
  });

  it('keep working for rows stored in plaintext before, which are encrypted on first use or at start', async () => {
    const prisma = graph.database.prisma;
    const legacy = (path: string, secret: string) =>
      prisma.webhookEndpoint.create({ data: { accountId: DEMO.account.id, url: `${receiver.url}${path}`, secret, eventTypes: [] } });
    const usedSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const used = await legacy('/legacy-used', usedSecret);
    const hint = await asMain(`{ me { account { webhookEndpoints(first: 50) { nodes { id secretHint } } } } }`);
    expect(hint.data!.me.account.webhookEndpoints.nodes).toContainEqual({ id: used.id, secretHint: `${usedSecret.slice(0, 10)}…` });
    const sent = await asMain(`mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { id } }`, { e: used.id });
    await deliveryIn(used.id, 'SUCCEEDED', (d) => d.id === sent.data!.sendTestWebhook.id);
    expect(verify(usedSecret, receiver.at('/legacy-used')[0]!).type).toBe('webhook.test');
    const usedRow = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: used.id } });
    expect(usedRow.secret).toMatch(/^enc:v1:/);
    expect(usedRow.updatedAt).toEqual(used.updatedAt);

    // One never used: encrypted by the pass every delivery worker makes when it starts (here, run by hand).
    const idleSecret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const idle = await legacy('/legacy-idle', idleSecret);
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
    const worker = createDeliveryService({
      data: createDevicesSubgraphData(scopedClient(prisma, 'devices')),
      config: graph.config,
      logger: quiet,
      clock: graph.clock.now,
      push: async () => ({}),
    });
    expect(await worker.encryptStoredSecrets()).toBeGreaterThanOrEqual(1);
    const idleRow = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: idle.id } });
    expect(idleRow.secret).toMatch(/^enc:v1:/);
    expect(idleRow.secret).not.toContain(idleSecret.slice('whsec_'.length));
    const again = await asMain(`mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { id } }`, { e: idle.id });
    await deliveryIn(idle.id, 'SUCCEEDED', (d) => d.id === again.data!.sendTestWebhook.id);
    expect(verify(idleSecret, receiver.at('/legacy-idle')[0]!).type).toBe('webhook.test');
    expect(await prisma.webhookEndpoint.count({ where: { secret: { startsWith: 'whsec_' } } })).toBe(0);
  });
});

describe('several instances', () => {
  it('send each due delivery once, whichever worker claims it', async () => {
    const { endpoint } = await createEndpoint('/race');
    const prisma = graph.database.prisma;
    const now = graph.clock.now();
    await prisma.notificationDelivery.createMany({
      data: Array.from({ length: 40 }, (_, i) => ({
        accountId: DEMO.account.id,
        channel: 'WEBHOOK' as const,
        endpointId: endpoint.id,
        eventType: 'webhook.test',
        payload: { type: 'webhook.test', data: { i } },
        nextAttemptAt: now,
      })),
    });
    // Two more instances' workers on the same database, racing this graph's own for the same rows.
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
    const others = [1, 2].map(() =>
      createDeliveryService({
        data: createDevicesSubgraphData(scopedClient(prisma, 'devices')),
        config: graph.config,
        logger: quiet,
        clock: graph.clock.now,
        push: async () => ({}),
      }),
    );
    for (const worker of others) worker.start();
    try {
      await expect
        .poll(async () => prisma.notificationDelivery.count({ where: { endpointId: endpoint.id, status: 'SUCCEEDED' } }), {
          timeout: 30_000,
          interval: 100,
        })
        .toBe(40);
    } finally {
      await Promise.all(others.map((worker) => worker.stop()));
    }
    const ids = receiver.at('/race').map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(await prisma.notificationDeliveryAttempt.count({ where: { delivery: { endpointId: endpoint.id } } })).toBe(40);
  });
});

describe('webhooks across accounts', () => {
  it('keeps an account’s endpoints and deliveries from another account', async () => {
    const { endpoint } = await createEndpoint('/private');
    const sent = await asMain(`mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { id } }`, { e: endpoint.id });
    const deliveryId = sent.data!.sendTestWebhook.id as string;
    await deliveryIn(endpoint.id, 'SUCCEEDED', (d) => d.id === deliveryId);

    const b = await createTenant(graph, 'Tenant B');
    const asB = (query: string, variables: Record<string, unknown> = {}) => graph.request(query, variables, { token: b.token });
    const own = await asB(`{ me { account { webhookEndpoints { totalCount nodes { id } } } } }`);
    expect(own.data).toEqual({ me: { account: { webhookEndpoints: { totalCount: 0, nodes: [] } } } });
    const theirs = await asB(`query($a: ID!) { account(id: $a) { id webhookEndpoints { nodes { id } } } }`, { a: DEMO.account.id });
    expect(JSON.stringify(theirs.data)).not.toContain(endpoint.id);

    for (const [query, variables] of [
      [`mutation($id: ID!) { replayWebhookDelivery(input: { id: $id }) { id } }`, { id: deliveryId }],
      [`mutation($e: ID!) { replayDeadWebhookDeliveries(input: { endpointId: $e }) { replayedCount } }`, { e: endpoint.id }],
      [`mutation($e: ID!) { sendTestWebhook(input: { endpointId: $e }) { id } }`, { e: endpoint.id }],
      [`mutation($id: ID!) { rotateWebhookEndpointSecret(input: { id: $id }) { secret } }`, { id: endpoint.id }],
      [`mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, url: "http://127.0.0.1:9/x" }) { id } }`, { id: endpoint.id }],
      [`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedId } }`, { id: endpoint.id }],
    ] as const) {
      const result = await asB(query, variables);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    // Untouched: still A's, still one delivery, the same URL.
    const after = await deliveriesOf(endpoint.id);
    expect(after.map((d) => d.id)).toEqual([deliveryId]);
    expect(receiver.at('/private')).toHaveLength(1);

    const deleted = await asMain(`mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedId } }`, { id: endpoint.id });
    expect(deleted.data).toEqual({ deleteWebhookEndpoint: { deletedId: endpoint.id } });
    expect(await graph.database.prisma.notificationDelivery.count({ where: { endpointId: endpoint.id } })).toBe(0);
  });
});

describe('push', () => {
  it('records a push to a platform with no configured provider as skipped, with the reason', async () => {
    const token = 'fcm-registration-token-of-a-test-phone';
    const registered = await asMain(`mutation($t: String!) { registerPushToken(input: { platform: FCM, token: $t }) { id platform } }`, {
      t: token,
    });
    expect(registered.data!.registerPushToken).toMatchObject({ platform: 'FCM' });
    const bad = await asMain(`mutation { registerPushToken(input: { platform: APNS, token: "not-hex" }) { id } }`);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });

    const markId = await makeMark();
    const prisma = graph.database.prisma;
    const notification = await prisma.notification.findFirstOrThrow({ where: { markId } });
    await expect
      .poll(() => prisma.notificationDelivery.findFirst({ where: { notificationId: notification.id, channel: 'PUSH' } }), {
        timeout: 30_000,
        interval: 100,
      })
      .toMatchObject({
        status: 'SKIPPED',
        pushRegistrationId: registered.data!.registerPushToken.id,
        lastError: expect.stringMatching(/FCM_SERVICE_ACCOUNT_PATH/),
      });

    const removed = await asMain(`mutation($t: String!) { unregisterPushToken(input: { platform: FCM, token: $t }) { removed } }`, {
      t: token,
    });
    expect(removed.data).toEqual({ unregisterPushToken: { removed: true } });
    const again = await asMain(`mutation($t: String!) { unregisterPushToken(input: { platform: FCM, token: $t }) { removed } }`, {
      t: token,
    });
    expect(again.data).toEqual({ unregisterPushToken: { removed: false } });
  });
});
