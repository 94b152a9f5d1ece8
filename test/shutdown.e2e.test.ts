import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO } from '@iris/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, expect, it } from 'vitest';
import { startIrisProcess, type IrisProcess } from './support/irisProcess.js';
import { createScratchDatabase, type ScratchDatabase } from './support/scratchDatabase.js';

/**
 * Graceful shutdown of the real entry point (`pnpm start`'s `server/src/main.ts`) in a child
 * process: SIGTERM while a request, a live subscription and a capture's analysis are in flight.
 */
const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const dataDir = mkdtempSync(join(tmpdir(), 'iris-shutdown-'));
let scratch: ScratchDatabase | undefined;
const started: IrisProcess[] = [];

afterAll(async () => {
  for (const iris of started) iris.child.kill('SIGKILL');
  await scratch?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const startIris = () =>
  startIrisProcess({ IRIS_DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '8000', ...(scratch ? { DATABASE_URL: scratch.url } : {}) });

/** The warnings and errors a run logged, to show beside a failed expectation. */
const problems = (output: string) =>
  output
    .split('\n')
    .filter((line) => /"level":(40|50|60)|shutdown/.test(line))
    .map((line) => line.slice(0, 600))
    .join('\n');

const gql = async (url: string, query: string, variables: Record<string, unknown> = {}, token?: string) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
};
const login = async (url: string) =>
  (
    await gql(url, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
      i: { email: DEMO.mainUser.email, password: DEMO.password },
    })
  ).body.data.login.accessToken as string;

it('on SIGTERM finishes what is in flight, closes sockets with 1001, exits in time, and runs unfinished work after the next start', async () => {
  if (process.env.DATABASE_URL) scratch = await createScratchDatabase(process.env.DATABASE_URL, 'iris_shutdown');
  const first = await startIris();
  started.push(first);
  const token = await login(first.url);

  const closed = new Promise<number>((resolve) => {
    const client = createClient({
      url: first.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
      on: { closed: (event) => resolve((event as { code: number }).code) },
    });
    client.subscribe({ query: 'subscription { notificationReceived { id } }' }, { next: () => {}, error: () => {}, complete: () => {} });
  });
  await sleep(300);

  // Several captures, so analyses are still queued when the signal comes (one worker).
  const uploads = [];
  for (let i = 0; i < 3; i++) {
    const upload = await gql(
      first.url,
      'mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }',
      { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
      token,
    );
    expect(upload.body.errors).toBeUndefined();
    uploads.push(upload.body.data.uploadCapture.id as string);
  }
  const inFlight = gql(
    first.url,
    'mutation($i: AnalyzeImageInput!) { analyzeImage(input: $i) { faces { score } } }',
    { i: { imageBase64: PORTRAIT } },
    token,
  );
  await sleep(20);
  const stopping = first.stop('SIGTERM');

  const answered = await inFlight;
  expect(answered.body.errors, problems(first.output())).toBeUndefined();
  expect(answered.status).toBe(200);
  expect(answered.body.data?.analyzeImage.faces.length).toBeGreaterThan(0);
  expect(await closed).toBe(1001);
  const exit = await stopping;
  expect(exit.code, problems(first.output())).toBe(0);
  expect(exit.ms).toBeLessThan(8_000);
  expect(first.output()).toMatch(/"msg":"shutdown: database stopped"/);
  await expect(fetch(first.url, { method: 'POST' })).rejects.toThrow();

  // The next start picks up every capture the first one did not finish analysing.
  const second = await startIris();
  started.push(second);
  const token2 = await login(second.url);
  let statuses: string[] = [];
  for (let i = 0; i < 150; i++) {
    const jobs = await gql(
      second.url,
      `{ ${uploads.map((id, j) => `j${j}: analysisJob(deviceDataId: "${id}") { status }`).join(' ')} }`,
      {},
      token2,
    );
    statuses = Object.values(jobs.body.data ?? {}).map((job) => (job as { status: string } | null)?.status ?? 'MISSING');
    if (statuses.every((s) => s === 'DONE')) break;
    await sleep(200);
  }
  expect(statuses).toEqual(uploads.map(() => 'DONE'));
  expect((await second.stop()).code).toBe(0);
}, 180_000);
