/**
 * The split topology's figures: identity, profiles, devices and analytics each alone, the gateway in
 * front, the analysis worker beside them (one OS process each, on PostgreSQL and Redis), then a cheap
 * query's latency (`{ me { id } }`: gateway → identity) while twelve analyses run in the analytics
 * process, and each process's resident memory.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1/postgres node --import tsx subgraphs/analytics/bench/split.ts
 *
 * Environment: DATABASE_URL (a PostgreSQL server; a scratch database is created on it and dropped),
 * REDIS_TEST_URL (default redis://127.0.0.1:6379), ANALYSES (default 12), ANALYSIS_THREADS (default 1).
 * Writes bench-results/analysis-split.json.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEMO } from '@iris/core';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { writeResults } from '../../../bench/harness.js';
import { createScratchDatabase } from '../../../test/support/scratchDatabase.js';
import { startServiceProcess, type ServiceProcess } from '../../../test/support/serviceProcess.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) throw new Error('Set DATABASE_URL to a PostgreSQL server: the services share it.');
const ANALYSES = Number(process.env.ANALYSES ?? 12);
const portrait = readFileSync(new URL('../../../test/fixtures/images/astronaut.png', import.meta.url)).toString('base64');

const scratch = await createScratchDatabase(serverUrl, 'iris_split');
const keys = await generateKeyPair('ES256', { extractable: true });
const shared = {
  REDIS_URL: process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `iris-split-${randomBytes(4).toString('hex')}:`,
  DATABASE_URL: scratch.url,
  JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
  ANALYSIS_THREADS: process.env.ANALYSIS_THREADS ?? '1',
  SUBGRAPH_TIMEOUT_MS: '120000',
};
const processes: Record<string, ServiceProcess> = {};
try {
  processes.identity = await startServiceProcess('identity', {
    ...shared,
    SEED_DEMO_DATA: 'true',
    JWT_PRIVATE_KEY: await exportPKCS8(keys.privateKey),
  });
  const [profiles, devices, analytics, worker] = await Promise.all([
    startServiceProcess('profiles', shared),
    startServiceProcess('devices', { ...shared, SEED_DEMO_DATA: 'true', PUBLIC_URL: 'http://127.0.0.1:4000' }),
    startServiceProcess('analytics', shared),
    startServiceProcess('worker', { ...shared, WORKER_PORT: '0' }),
  ]);
  Object.assign(processes, { profiles, devices, analytics, worker });
  processes.gateway = await startServiceProcess('gateway', {
    ...shared,
    IDENTITY_URL: processes.identity.url,
    PROFILES_URL: profiles.url,
    DEVICES_URL: devices.url,
    ANALYTICS_URL: analytics.url,
    RATE_LIMIT_POINTS: '1000000',
  });

  const ask = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const started = performance.now();
    const response = await fetch(processes.gateway!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return { data: body.data, ms: performance.now() - started };
  };
  const token = (
    await ask('mutation($input: LoginInput!) { login(input: $input) { accessToken } }', {
      input: { email: DEMO.mainUser.email, password: DEMO.password },
    })
  ).data.login.accessToken as string;
  const analyze = () =>
    ask(
      'mutation($input: AnalyzeImageInput!) { analyzeImage(input: $input) { faces { score } } }',
      { input: { imageBase64: portrait } },
      token,
    );
  await analyze();
  for (let i = 0; i < 20; i++) await ask('{ me { id } }', {}, token);

  let running = ANALYSES;
  const analyses = Array.from({ length: ANALYSES }, () => analyze().finally(() => (running -= 1)));
  const busy: number[] = [];
  while (running > 0) busy.push((await ask('{ me { id } }', {}, token)).ms);
  await Promise.all(analyses);

  const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  const memoryMiB = Object.fromEntries(Object.entries(processes).map(([name, p]) => [name, Math.round(rss(p.child.pid!))]));
  const sorted = [...busy].sort((a, b) => a - b);
  const result = {
    analyses: ANALYSES,
    threads: Number(shared.ANALYSIS_THREADS),
    busyQueries: busy.length,
    busyMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10,
    busyMaxMs: Math.round(sorted.at(-1)! * 10) / 10,
    memoryMiB,
  };
  console.log(JSON.stringify(result, null, 2));
  writeResults('analysis-split.json', result);
} finally {
  await Promise.all(Object.values(processes).map((p) => p.stop()));
  await scratch.drop();
}
