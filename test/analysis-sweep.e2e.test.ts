import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEMO } from '@iris/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * With Redis, an analysis job recorded as QUEUED that never reached the Redis queue (its process stopped
 * between recording and queueing it, the add failed, Redis lost its data) is found by the sweep
 * (`ANALYSIS_SWEEP_MS`) and runs: no capture waits for its analysis forever.
 */
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const redisAnswers = await new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }).connect().then(
  () => true,
  () => false,
);
if (!redisAnswers) console.warn(`No Redis answers at ${REDIS_URL}: the analysis sweep test is skipped.`);

const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const PREFIX = `iris-test-${randomBytes(4).toString('hex')}:`;
let graph: TestGraph;

describe.skipIf(!redisAnswers)('analysis jobs lost on the way to Redis', () => {
  beforeAll(async () => {
    graph = await startTestGraph({ REDIS_URL, REDIS_PREFIX: PREFIX, ANALYSIS_RETRY_BACKOFF_MS: '10', ANALYSIS_SWEEP_MS: '300' });
  }, 60_000);
  afterAll(async () => {
    await graph?.stop();
    const redis = new Redis(REDIS_URL);
    const keys = [...(await redis.keys(`${PREFIX}*`)), ...(await redis.keys(`bull:${PREFIX.replace(/:$/, '')}-*`))];
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('queues again an analysis job that was recorded but never reached Redis', async () => {
    const token = await graph.login();
    const upload = await graph.request<{ uploadCapture: { id: string } }>(
      `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
      { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
      { token },
    );
    expect(upload.errors).toBeUndefined();
    const captureId = upload.data!.uploadCapture.id;
    const { prisma } = graph.database;
    const analysed = await waitFor(
      () => prisma.analysisJob.findUnique({ where: { dataId: captureId } }),
      (job) => job?.status === 'DONE',
    );

    // What a process leaves when it stops between recording a job and queueing it: a QUEUED row Redis never saw.
    await prisma.$transaction([
      prisma.faceAnalysis.deleteMany({ where: { dataId: captureId } }),
      prisma.analysisJob.delete({ where: { dataId: captureId } }),
    ]);
    const lost = await prisma.analysisJob.create({
      data: { dataId: captureId, accountId: analysed!.accountId, deviceId: analysed!.deviceId, storageKey: analysed!.storageKey },
    });

    const job = await waitFor(
      () => prisma.analysisJob.findUnique({ where: { id: lost.id } }),
      (row) => row?.status === 'DONE',
    );
    expect(job).toMatchObject({ status: 'DONE', attempts: 1 });
    expect(await prisma.faceAnalysis.count({ where: { dataId: captureId } })).toBe(1);
  }, 90_000);
});

/** Polls `read` until `done` holds of its value (every 100 ms, for at most 60 s); fails with the last value otherwise. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not done after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
