import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO } from '@iris/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, expect, it } from 'vitest';
import { createScratchDatabase, testEnvironment, type ScratchDatabase } from './support/scratchDatabase.js';

/**
 * Graceful shutdown of the real entry point (`pnpm start`'s `packages/graph/src/main.ts`) in a child
 * process: SIGTERM while a request, a live subscription and a capture's analysis are in flight.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const dataDir = mkdtempSync(join(tmpdir(), 'iris-shutdown-'));
let scratch: ScratchDatabase | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await scratch?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startIris(): Promise<{ child: ChildProcess; url: string; exited: Promise<{ code: number | null; ms: number }>; output: () => string }> {
  const env = {
    ...process.env,
    ...testEnvironment(),
    LOG_LEVEL: 'info',
    IRIS_DATA_DIR: dataDir,
    SEED_DEMO_DATA: 'true',
    SHUTDOWN_TIMEOUT_MS: '8000',
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/graph/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let signalledAt = 0;
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) => child.once('exit', (code) => resolve({ code, ms: Date.now() - signalledAt })));
  const originalKill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signalledAt = Date.now();
    return originalKill(signal);
  };
  for (let waited = 0; waited < 90_000; waited += 100) {
    const ready = /Iris is ready in [\d.]+s: (\S+)/.exec(output);
    if (ready) return { child, url: ready[1]!, exited, output: () => output };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`Iris did not start:\n${output}`);
}

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
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
};
const login = async (url: string) =>
  (await gql(url, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', { i: { email: DEMO.mainUser.email, password: DEMO.password } })).body.data.login
    .accessToken as string;

it('on SIGTERM finishes what is in flight, closes sockets with 1001, exits in time, and runs unfinished work after the next start', async () => {
  if (process.env.DATABASE_URL) scratch = await createScratchDatabase(process.env.DATABASE_URL, 'iris_shutdown');
  const first = await startIris();
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
    const upload = await gql(first.url, 'mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }', { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } }, token);
    expect(upload.body.errors).toBeUndefined();
    uploads.push(upload.body.data.uploadCapture.id as string);
  }
  const inFlight = gql(first.url, 'mutation($i: AnalyzeImageInput!) { analyzeImage(input: $i) { faces { score } } }', { i: { imageBase64: PORTRAIT } }, token);
  await sleep(20);
  first.child.kill('SIGTERM');

  const answered = await inFlight;
  expect(answered.body.errors, problems(first.output())).toBeUndefined();
  expect(answered.status).toBe(200);
  expect(answered.body.data?.analyzeImage.faces.length).toBeGreaterThan(0);
  expect(await closed).toBe(1001);
  const exit = await first.exited;
  expect(exit.code, problems(first.output())).toBe(0);
  expect(exit.ms).toBeLessThan(8_000);
  expect(first.output()).toMatch(/"msg":"shutdown: database stopped"/);
  await expect(fetch(first.url, { method: 'POST' })).rejects.toThrow();

  // The next start picks up every capture the first one did not finish analysing.
  const second = await startIris();
  const token2 = await login(second.url);
  let statuses: string[] = [];
  for (let i = 0; i < 150; i++) {
    const jobs = await gql(second.url, `{ ${uploads.map((id, j) => `j${j}: analysisJob(deviceDataId: "${id}") { status }`).join(' ')} }`, {}, token2);
    statuses = Object.values(jobs.body.data ?? {}).map((job) => (job as { status: string } | null)?.status ?? 'MISSING');
    if (statuses.every((s) => s === 'DONE')) break;
    await sleep(200);
  }
  expect(statuses).toEqual(uploads.map(() => 'DONE'));
  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
}, 180_000);
