/**
 * Soak run: the real entry point (`pnpm start`'s main.ts) in a child process under a steady mix of
 * reads, writes, capture uploads and live subscribers for a bounded time, loopback only. Reports
 * errors, p50 / p99 per window and the server's memory over time.
 *
 *   pnpm bench:soak                        # 10 minutes, 40 operations/s, 50 subscribers
 *   SOAK_SECONDS=60 SOAK_RATE=20 SOAK_SUBSCRIBERS=10 pnpm bench:soak
 *
 * Results: a table per window, and bench-results/soak-<time>.json.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO } from '@iris/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startIrisProcess } from '@iris/testkit';
import { createScratchDatabase } from '@iris/testkit';
import { writeResults } from './harness.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 40);
const SUBSCRIBERS = Number(process.env.SOAK_SUBSCRIBERS ?? 50);
const WINDOW_SECONDS = Number(process.env.SOAK_WINDOW_SECONDS ?? 30);
const PORTRAIT = readFileSync(new URL('../test/fixtures/images/astronaut.png', import.meta.url)).toString('base64');

const scratch = process.env.DATABASE_URL ? await createScratchDatabase(process.env.DATABASE_URL, 'iris_soak') : undefined;
const iris = await startIrisProcess({ LOG_LEVEL: 'warn', ...(scratch ? { DATABASE_URL: scratch.url } : {}) });
const { child, url } = iris;

const rssMiB = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

async function gql(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  if (response.status !== 200 || body.errors?.length)
    throw new Error(`${response.status} ${body.errors?.[0]?.extensions?.code ?? ''} ${body.errors?.[0]?.message ?? ''}`);
  return body.data;
}

const token = (
  await gql('mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
    i: { email: DEMO.mainUser.email, password: DEMO.password },
  })
).login.accessToken as string;

// Live subscribers: every mark a capture makes should reach each of them.
let eventsReceived = 0;
const clients: Client[] = [];
for (let i = 0; i < SUBSCRIBERS; i++) {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 5,
  });
  client.subscribe(
    { query: 'subscription { deviceMarkCreated { id device { name } } }' },
    { next: () => eventsReceived++, error: () => {}, complete: () => {} },
  );
  clients.push(client);
}
await sleep(1_000);

const operations: { name: string; weight: number; run: (n: number) => Promise<unknown> }[] = [
  {
    name: 'marks page (3 subgraphs)',
    weight: 35,
    run: () =>
      gql('{ deviceMarks(first: 20) { edges { node { id device { name account { name } } analysis { faces { score } } } } } }', {}, token),
  },
  {
    name: 'profiles page',
    weight: 20,
    run: () => gql('query($a: ID!) { profiles(appId: $a, first: 20) { edges { node { deviceId gender } } } }', { a: DEMO.app.id }, token),
  },
  { name: 'me', weight: 15, run: () => gql('{ me { email account { name } } }', {}, token) },
  {
    name: 'create + delete group',
    weight: 25,
    run: async (n) => {
      const created = await gql(
        'mutation($i: CreateDeviceGroupInput!) { createDeviceGroup(input: $i) { id } }',
        { i: { name: `soak ${n}` } },
        token,
      );
      await gql(
        'mutation($i: DeleteDeviceGroupInput!) { deleteDeviceGroup(input: $i) { deletedId } }',
        { i: { id: created.createDeviceGroup.id } },
        token,
      );
    },
  },
  {
    name: 'capture upload',
    weight: 5,
    run: () =>
      gql(
        'mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }',
        { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
        token,
      ),
  },
];
const totalWeight = operations.reduce((sum, op) => sum + op.weight, 0);
const pick = () => {
  let r = Math.random() * totalWeight;
  for (const op of operations) if ((r -= op.weight) < 0) return op;
  return operations[0]!;
};

interface Window {
  second: number;
  operations: number;
  errors: number;
  p50: number;
  p99: number;
  rssMiB: number;
}
const windows: Window[] = [];
const errorSamples = new Map<string, number>();
const counts = new Map<string, number>();
let current: number[] = [];
let currentErrors = 0;
let uploads = 0;
const startRss = rssMiB();
const started = performance.now();
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;

console.log(
  `soak: ${SECONDS} s at ${RATE} operations/s with ${SUBSCRIBERS} subscribers against ${url} (${scratch ? 'PostgreSQL' : 'PGlite'}); server RSS ${startRss} MiB`,
);
console.log('second  ops   errors  p50 ms  p99 ms  RSS MiB');
const inFlight = new Set<Promise<void>>();
let n = 0;
let nextWindow = WINDOW_SECONDS * 1000;
while (performance.now() - started < SECONDS * 1000) {
  const op = pick();
  if (op.name === 'capture upload') uploads++;
  counts.set(op.name, (counts.get(op.name) ?? 0) + 1);
  const t0 = performance.now();
  const done = op
    .run(n++)
    .then(
      () => void current.push(performance.now() - t0),
      (err: Error) => {
        currentErrors++;
        const key = `${op.name}: ${err.message.slice(0, 120)}`;
        errorSamples.set(key, (errorSamples.get(key) ?? 0) + 1);
      },
    )
    .finally(() => inFlight.delete(done));
  inFlight.add(done);
  const elapsed = performance.now() - started;
  if (elapsed >= nextWindow) {
    closeWindow(elapsed);
    nextWindow += WINDOW_SECONDS * 1000;
  }
  // A steady arrival rate, whatever the latency (an open model): the next operation starts on time.
  const due = started + (n * 1000) / RATE;
  await sleep(Math.max(0, due - performance.now()));
}
await Promise.allSettled([...inFlight]);
// The operations of the last, partial window count too.
if (current.length + currentErrors > 0) closeWindow(performance.now() - started);

function closeWindow(elapsed: number) {
  const sorted = current.sort((a, b) => a - b);
  const window: Window = {
    second: Math.round(elapsed / 1000),
    operations: sorted.length + currentErrors,
    errors: currentErrors,
    p50: Math.round(percentile(sorted, 50)),
    p99: Math.round(percentile(sorted, 99)),
    rssMiB: rssMiB(),
  };
  windows.push(window);
  console.log(
    `${String(window.second).padStart(6)}  ${String(window.operations).padStart(5)}  ${String(window.errors).padStart(6)}  ${String(window.p50).padStart(6)}  ${String(window.p99).padStart(6)}  ${String(window.rssMiB).padStart(7)}`,
  );
  current = [];
  currentErrors = 0;
}
await sleep(5_000); // the last captures' analyses and their events
const endRss = rssMiB();

const totalOps = windows.reduce((s, w) => s + w.operations, 0);
const totalErrors = windows.reduce((s, w) => s + w.errors, 0);
const results = {
  seconds: SECONDS,
  rate: RATE,
  subscribers: SUBSCRIBERS,
  database: scratch ? 'PostgreSQL' : 'PGlite',
  operations: Object.fromEntries(counts),
  totalOperations: totalOps,
  totalErrors,
  errors: Object.fromEntries(errorSamples),
  uploads,
  eventsReceived,
  eventsExpectedAtMost: uploads * SUBSCRIBERS,
  rssMiB: { start: startRss, end: endRss, max: Math.max(startRss, ...windows.map((w) => w.rssMiB)) },
  windows,
  loadAverage: (await import('node:os')).loadavg(),
};
console.log(
  `\n${totalOps} operations, ${totalErrors} errors; ${eventsReceived} mark events received of ${uploads} uploads × ${SUBSCRIBERS} subscribers; server RSS ${startRss} → ${endRss} MiB`,
);
if (errorSamples.size) console.log('errors:', Object.fromEntries(errorSamples));
writeResults(`soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, results);

for (const client of clients) await client.dispose();
await iris.stop();
await scratch?.drop();
