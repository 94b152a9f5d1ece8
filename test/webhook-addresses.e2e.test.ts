/**
 * Webhook connections go to the addresses the URL guard checked: the delivery worker resolves an
 * endpoint's host once, refuses it when any address is loopback, private, link-local (cloud metadata) or
 * otherwise not public, and connects to the address it checked, so a name pointed at a private address
 * after the endpoint was saved (DNS rebinding) is refused at delivery time, with the reason in the
 * delivery log. Names are resolved here by a resolver the test gives the worker, so no DNS is needed.
 */
import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@iris/core';
import { scopedClient } from '@iris/db';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevicesSubgraphData } from '../subgraphs/devices/src/data/index.js';
import { createDeliveryService } from '../subgraphs/devices/src/services/delivery/index.js';
import { startTestGraph, type TestGraph } from './support/graph.js';

const HOUR = 3_600_000;
let graph: TestGraph;
let token: string;
let port = 0;
const received: { path: string; body: string; headers: Record<string, string> }[] = [];
const receiver: Server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({
      path: request.url ?? '/',
      body: Buffer.concat(chunks).toString('utf8'),
      headers: request.headers as Record<string, string>,
    });
    response.writeHead(204).end();
  });
});

/** The names the test's resolver knows, and how often it was asked for each. */
const names: Record<string, LookupAddress[]> = {};
const lookups: Record<string, number> = {};
const resolve = async (host: string) => {
  lookups[host] = (lookups[host] ?? 0) + 1;
  const found = names[host];
  if (!found) throw Object.assign(new Error(`${host} not found`), { code: 'ENOTFOUND' });
  return found;
};

beforeAll(async () => {
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  port = (receiver.address() as AddressInfo).port;
  graph = await startTestGraph({ WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '100ms' });
  token = await graph.login();
}, 120_000);
afterAll(async () => {
  await graph?.stop();
  await new Promise((done) => receiver.close(done));
});

/**
 * An endpoint at `host` with one delivery due an hour from now: this graph's own worker leaves it alone,
 * and a worker an hour ahead (the one under test, with the test's resolver) sends it.
 */
async function endpointWithDelivery(host: string, path: string) {
  const created = await graph.request(
    `mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { secret endpoint { id } } }`,
    { u: `http://${host}:${port}${path}` },
    { token },
  );
  expect(created.errors).toBeUndefined();
  const { secret, endpoint } = created.data!.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
  const row = await graph.database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
  const delivery = await graph.database.prisma.notificationDelivery.create({
    data: {
      accountId: row.accountId,
      channel: 'WEBHOOK',
      endpointId: endpoint.id,
      eventType: 'webhook.test',
      payload: { type: 'webhook.test', data: { path } },
      nextAttemptAt: new Date(graph.clock.now().getTime() + HOUR),
    },
  });
  return { secret, endpointId: endpoint.id, deliveryId: delivery.id };
}

/** Runs a delivery worker an hour ahead, with the test's resolver, until the delivery is in `status`. */
async function deliverAhead(deliveryId: string, status: string, allowPrivate: boolean) {
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
  const prisma = graph.database.prisma;
  const worker = createDeliveryService({
    data: createDevicesSubgraphData(scopedClient(prisma, 'devices')),
    config: { ...graph.config, WEBHOOK_ALLOW_PRIVATE_URLS: allowPrivate },
    logger: quiet,
    clock: () => new Date(graph.clock.now().getTime() + 2 * HOUR),
    push: async () => ({}),
    resolve,
  });
  worker.start();
  try {
    await expect
      .poll(async () => (await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).status, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(status);
  } finally {
    await worker.stop();
  }
  return prisma.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { attemptLog: true } });
}

describe('webhook delivery connects to the address it checked', () => {
  it('reaches the address the resolver gave (private addresses allowed, as outside production)', async () => {
    names['receiver.iris.test'] = [{ address: '127.0.0.1', family: 4 }];
    const { secret, deliveryId } = await endpointWithDelivery('receiver.iris.test', '/resolved');
    const delivery = await deliverAhead(deliveryId, 'SUCCEEDED', true);
    expect(delivery.lastStatusCode).toBe(204);
    const request = received.find((r) => r.path === '/resolved')!;
    expect(request.headers.host).toBe(`receiver.iris.test:${port}`);
    // Signed an hour ahead (the worker's clock), so checked without the receiver's timestamp tolerance.
    const signedAt = new Date(Number(request.headers['webhook-timestamp']) * 1000);
    expect(request.headers['webhook-signature']).toBe(new Webhook(secret).sign(deliveryId, signedAt, request.body));
  });

  it('refuses a name that resolves to a private address at delivery time, and says why in the delivery log', async () => {
    // Public when the endpoint was saved; pointed at this host since (where a receiver even answers).
    names['rebound.iris.test'] = [{ address: '93.184.216.34', family: 4 }];
    const { deliveryId } = await endpointWithDelivery('rebound.iris.test', '/rebound');
    names['rebound.iris.test'] = [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    lookups['rebound.iris.test'] = 0;
    const delivery = await deliverAhead(deliveryId, 'DEAD', false);
    const why = /^Not sent: rebound\.iris\.test resolves to 127\.0\.0\.1, which is not a public address \(.*WEBHOOK_ALLOW_PRIVATE_URLS/;
    expect(delivery.lastError).toMatch(why);
    expect(delivery.attempts).toBe(1);
    expect(delivery.attemptLog).toHaveLength(1);
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(why) });
    expect(received.filter((r) => r.path === '/rebound')).toEqual([]);
    // Resolved once, by the connection itself: there is no earlier check whose answer could differ.
    expect(lookups['rebound.iris.test']).toBe(1);

    // The log says the same through the API.
    const log = await graph.request(
      `{ me { account { webhookEndpoints { nodes { url deliveries { nodes { id status lastError attemptLog { error } } } } } } } }`,
      {},
      { token },
    );
    const endpoint = (log.data!.me.account.webhookEndpoints.nodes as { url: string; deliveries: { nodes: unknown[] } }[]).find((e) =>
      e.url.includes('rebound.iris.test'),
    );
    expect(endpoint?.deliveries.nodes).toEqual([
      { id: deliveryId, status: 'DEAD', lastError: expect.stringMatching(why), attemptLog: [{ error: expect.stringMatching(why) }] },
    ]);
  });

  it('refuses an IP address in the URL that is not public, before connecting', async () => {
    const { deliveryId } = await endpointWithDelivery('127.0.0.1', '/literal');
    const delivery = await deliverAhead(deliveryId, 'DEAD', false);
    expect(delivery.lastError).toMatch(/^Not sent: the URL reaches 127\.0\.0\.1, which is not a public address/);
    expect(received.filter((r) => r.path === '/literal')).toEqual([]);
  });
});
