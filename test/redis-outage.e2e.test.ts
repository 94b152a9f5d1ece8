import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO } from '@iris/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { ownRedis, redisServerPath, type OwnRedis } from './support/redisServer.js';

/**
 * A Redis outage while the graph runs on it (events, the analysis queue, rate limits, APQ): reads go on
 * being served while it is down, and once it is back the capture → analysis → mark → subscriber
 * pipeline works again, with no process restarted. This test runs its own redis-server (with an
 * append-only file, as a production Redis keeps its data) so it can kill it without touching others'.
 */
if (!redisServerPath) console.warn('redis-server is not installed: the Redis outage test is skipped.');

const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'iris-redis-outage-'));
let redis: OwnRedis | undefined;
let graph: TestGraph;
let token: string;
const clients: Client[] = [];

beforeAll(async () => {
  if (!redisServerPath) return;
  // With an append-only file, as a production Redis keeps its data.
  redis = await ownRedis(['--dir', dir, '--appendonly', 'yes', '--save', '']);
  await redis.start();
  graph = await startTestGraph({ REDIS_URL: redis.url, ANALYSIS_RETRY_BACKOFF_MS: '10' });
  token = await graph.login();
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await graph?.stop();
  await redis?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Subscribes to new marks and uploads the portrait: resolves with the mark's id when the event arrives. */
async function captureReachesSubscriber(timeoutMs = 30_000): Promise<string | null> {
  const client = createClient({
    url: graph.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  const event = new Promise<string | null>((resolve) => {
    setTimeout(() => resolve(null), timeoutMs);
    client.subscribe<{ deviceMarkCreated: { id: string } }>(
      { query: `subscription { deviceMarkCreated(filter: { deviceId: "${DEMO.device.id}" }) { id } }` },
      { next: (value) => resolve(value.data?.deviceMarkCreated.id ?? null), error: () => resolve(null), complete: () => {} },
    );
  });
  await sleep(500);
  const upload = await graph.request(
    `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
    { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
    { token },
  );
  expect(upload.errors).toBeUndefined();
  return event;
}

it.skipIf(!redisServerPath)(
  'serves reads while Redis is down and runs the live pipeline again once it is back, without a restart',
  async () => {
    expect(await captureReachesSubscriber()).toBeTruthy();

    await redis!.kill();
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const read = await graph.request(`{ me { email } deviceGroup(id: "${DEMO.deviceGroup.id}") { name } }`, {}, { token });
      expect(read.errors).toBeUndefined();
      expect(read.data?.me.email).toBe(DEMO.mainUser.email);
      // Rate limits fall back to memory at once instead of waiting on the dead store.
      expect(Date.now() - started).toBeLessThan(2_000);
    }

    await redis!.start();
    let mark: string | null = null;
    // Connections come back on their own (ioredis reconnects with backoff); the first try may race it.
    for (let attempt = 0; attempt < 3 && !mark; attempt++) mark = await captureReachesSubscriber(20_000);
    expect(mark).toBeTruthy();
  },
  120_000,
);
