import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEMO, loadConfig } from '@iris/core';
import { startGraph, type RunningGraph } from '@iris/server';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnvironment } from './support/scratchDatabase.js';

const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const redisAnswers = await new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }).connect().then(
  () => true,
  () => false,
);
if (!redisAnswers) console.warn(`No Redis answers at ${REDIS_URL}: the two-instance tests are skipped.`);

const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const base = {
  ...testEnvironment(),
  ANALYSIS_RETRY_BACKOFF_MS: '10',
  REDIS_URL,
  REDIS_PREFIX: `iris-test-${randomBytes(4).toString('hex')}:`,
};

let a: RunningGraph;
let b: RunningGraph;

async function post(graph: RunningGraph, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}
const login = async (graph: RunningGraph, email: string) =>
  (await post(graph, `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, { i: { email, password: DEMO.password } })).data
    .login.accessToken as string;

describe.skipIf(!redisAnswers)('two instances on one Redis', () => {
  beforeAll(async () => {
    // One signing key for both instances, as a deployment shares it.
    const { generateKeyPair, exportPKCS8, exportSPKI } = await import('jose');
    const pair = await generateKeyPair('ES256', { extractable: true });
    const keys = { JWT_PRIVATE_KEY: await exportPKCS8(pair.privateKey), JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey) };
    const dataDir = mkdtempSync(join(tmpdir(), 'iris-two-'));
    a = await startGraph(loadConfig({ ...base, ...keys, IRIS_DATA_DIR: dataDir, SEED_DEMO_DATA: 'true' }));
    // The second instance shares the first one's database and capture storage, as a deployment would.
    b = await startGraph(loadConfig({ ...base, ...keys, IRIS_DATA_DIR: dataDir, DATABASE_URL: a.database.url, SEED_DEMO_DATA: 'false' }));
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    const redis = new Redis(REDIS_URL);
    const keys = [...(await redis.keys(`${base.REDIS_PREFIX}*`)), ...(await redis.keys(`bull:${base.REDIS_PREFIX.replace(/:$/, '')}-*`))];
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('delivers a mark made on one instance to a subscriber of the other, once', async () => {
    const token = await login(a, DEMO.mainUser.email);
    const received: any[] = [];
    const client = createClient({
      url: b.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const gotOne = new Promise<void>((resolve) => {
      client.subscribe(
        {
          query: `subscription { deviceMarkCreated { id faceCount device { name account { name } } analysis { faces { expression { label } } } } }`,
        },
        { next: (v) => (received.push(v), resolve()), error: () => {}, complete: () => {} },
      );
    });
    await new Promise((r) => setTimeout(r, 300));
    // The capture goes in through instance A; analysis and the mark happen on whichever instance takes them.
    const upload = await post(
      a,
      `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
      { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
      token,
    );
    expect(upload.errors).toBeUndefined();
    await Promise.race([gotOne, new Promise((r) => setTimeout(r, 20_000))]);
    await new Promise((r) => setTimeout(r, 1_000));
    await client.dispose();
    expect(received).toHaveLength(1);
    expect(received[0].data.deviceMarkCreated).toMatchObject({
      faceCount: 1,
      device: { name: DEMO.device.name, account: { name: DEMO.account.name } },
      analysis: { faces: [{ expression: { label: 'HAPPY' } }] },
    });
    // The work was done once: one analysis job run, one mark for the capture.
    const captureId = upload.data.uploadCapture.id;
    expect(await a.database.prisma.deviceMark.count({ where: { dataId: captureId } })).toBe(1);
    expect(await a.database.prisma.analysisJob.findUniqueOrThrow({ where: { dataId: captureId } })).toMatchObject({
      status: 'DONE',
      attempts: 1,
    });
  });
});
