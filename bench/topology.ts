/**
 * What splitting Iris into processes buys and costs: a cheap query's latency (`{ me { id } }` through
 * a gateway) while twelve captures are analysed, the analyses' throughput, and each process's memory,
 * for the one-process default (`pnpm start`: everything in one process on embedded PGlite) and the
 * split topology (`pnpm start:<service>`: two gateways, identity, profiles, two devices, analytics and
 * the analysis worker, each its own process, on PostgreSQL and Redis), each with ANALYSIS_THREADS=1
 * and 2 (ANALYSIS_WORKERS the same, so that many analyses run at once; split, only the worker is
 * started again between settings, so the other processes' peak memory spans both).
 *
 *   pnpm bench:topology
 *
 * Environment: THREADS (settings, default `1,2`), TOPOLOGIES (default `one-process,split`), ANALYSES
 * (captures analysed while the cheap query is timed, default 12), DATABASE_URL (the PostgreSQL server
 * of the split topology, default 127.0.0.1:5432; a scratch database is made and dropped), REDIS_URL
 * (default 127.0.0.1:6379; a key prefix of its own). Everything runs on this machine, the benchmark
 * client included, so the figures are relative. Prints a table and writes bench-results/topology.json.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEMO } from '@iris/core';
import { startIrisProcess } from '@iris/testkit';
import { PORTRAIT, startTopology, topologyServicesAnswer } from '../test/support/topology.js';
import { writeResults } from './harness.js';

const SETTINGS = (process.env.THREADS ?? '1,2').split(',').map(Number);
const TOPOLOGIES = (process.env.TOPOLOGIES ?? 'one-process,split').split(',') as ('one-process' | 'split')[];
const ANALYSES = Number(process.env.ANALYSES ?? 12);
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (ms: number) => Math.round(ms * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process now and at its peak, in MiB, from /proc (Linux). */
function memoryOf(pid: number | undefined): { rssMiB: number; peakRssMiB: number } | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: Math.round(kib('VmRSS') / 1024), peakRssMiB: Math.round(kib('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

interface Target {
  /** The gateway the client talks to. */
  url: string;
  /** Each process's id, by name. */
  pids: Record<string, number | undefined>;
  stop: () => Promise<void>;
}

async function measure(target: Target) {
  const request = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const started = performance.now();
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown };
    const ms = performance.now() - started;
    if (!body.data || body.errors) throw new Error(`request failed: ${JSON.stringify(body.errors)}`);
    return { data: body.data, ms };
  };
  const token = (
    await request('mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
      i: { email: DEMO.mainUser.email, password: DEMO.password },
    })
  ).data.login.accessToken as string;
  const cheapQuery = async () => (await request('{ me { id } }', {}, token)).ms;
  const upload = async () =>
    (
      await request(
        'mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }',
        { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
        token,
      )
    ).data.uploadCapture.id as string;
  /** Resolves when every capture's analysis has ended, asked once a second. */
  const analysed = async (ids: string[]) => {
    const pending = new Set(ids);
    while (pending.size > 0) {
      await sleep(1_000);
      for (const id of [...pending]) {
        const { data } = await request('query($id: ID!) { deviceData(id: $id) { analysisStatus } }', { id }, token);
        if (data.deviceData.analysisStatus === 'DONE' || data.deviceData.analysisStatus === 'FAILED') pending.delete(id);
      }
    }
  };

  // Warm-up: models loaded in every analysis thread, the query path compiled.
  await analysed(await Promise.all([upload(), upload()]));
  for (let i = 0; i < 20; i++) await cheapQuery();
  const idle: number[] = [];
  for (let i = 0; i < 30; i++) idle.push(await cheapQuery());

  // Twelve captures at once; cheap queries one after another until their analyses have ended.
  const started = performance.now();
  const ids = await Promise.all(Array.from({ length: ANALYSES }, upload));
  let done = false;
  const finished = analysed(ids).then(() => {
    done = true;
    return performance.now();
  });
  const busy: number[] = [];
  while (!done) busy.push(await cheapQuery());
  const seconds = ((await finished) - started) / 1000;

  return {
    idleMedianMs: round(median(idle)),
    idleMaxMs: round(Math.max(...idle)),
    busyQueries: busy.length,
    busyMedianMs: round(median(busy)),
    busyMaxMs: round(Math.max(...busy)),
    analysesPerSecond: Math.round((ANALYSES / seconds) * 100) / 100,
    memory: Object.fromEntries(Object.entries(target.pids).map(([name, pid]) => [name, memoryOf(pid)])),
  };
}

/** A way of running Iris: a target per ANALYSIS_THREADS setting, then `close`. */
interface Deployment {
  target: (threads: number) => Promise<Target>;
  close: () => Promise<void>;
}

/** `pnpm start`'s entry point, started afresh for each setting. */
const oneProcessDeployment = (): Deployment => ({
  target: async (threads) => {
    const iris = await startIrisProcess(
      { LOG_LEVEL: 'warn', ANALYSIS_THREADS: String(threads), ANALYSIS_WORKERS: String(threads) },
      300_000,
    );
    return { url: iris.url, pids: { iris: iris.child.pid }, stop: async () => void (await iris.stop()) };
  },
  close: async () => {},
});

/**
 * The split topology, started once: each setting restarts only the worker, the one process that runs
 * analyses there.
 */
async function splitDeployment(): Promise<Deployment> {
  const topology = await startTopology({ postgresUrl: POSTGRES_URL, redisUrl: REDIS_URL, env: { LOG_LEVEL: 'warn' } });
  return {
    target: async (threads) => {
      await topology.running.worker!.stop();
      await topology.start('worker', { ANALYSIS_THREADS: String(threads), ANALYSIS_WORKERS: String(threads) });
      await topology.ready('worker');
      return {
        url: topology.url('gatewayA'),
        pids: Object.fromEntries(Object.entries(topology.running).map(([name, process]) => [name, process!.child.pid])),
        stop: async () => {},
      };
    },
    close: topology.close,
  };
}

if (TOPOLOGIES.includes('split')) {
  const answering = await topologyServicesAnswer(POSTGRES_URL, REDIS_URL);
  if (!answering.postgres || !answering.redis) {
    console.error(
      `The split topology needs PostgreSQL (${POSTGRES_URL}: ${answering.postgres ? 'answers' : 'no answer'}) and Redis (${REDIS_URL}: ${answering.redis ? 'answers' : 'no answer'}).`,
    );
    process.exit(1);
  }
}

const results = [];
for (const topology of TOPOLOGIES) {
  const deployment = topology === 'split' ? await splitDeployment() : oneProcessDeployment();
  try {
    for (const threads of SETTINGS) {
      const target = await deployment.target(threads);
      try {
        const row = { topology, threads, ...(await measure(target)) };
        results.push(row);
        console.log(JSON.stringify(row));
      } finally {
        await target.stop();
      }
    }
  } finally {
    await deployment.close();
  }
}

console.log(`\n${availableParallelism()} CPUs, ${ANALYSES} captures analysed while the cheap query is timed`);
console.table(
  results.map(({ memory, ...row }) => ({
    ...row,
    totalRssMiB: Object.values(memory).reduce((sum, m) => sum + (m?.rssMiB ?? 0), 0),
  })),
);
for (const { topology, threads, memory } of results)
  console.log(
    `${topology}, ${threads} thread(s): RSS MiB (peak) per process: ${Object.entries(memory)
      .map(([name, m]) => `${name} ${m?.rssMiB} (${m?.peakRssMiB})`)
      .join(', ')}`,
  );
writeResults('topology.json', { cpus: availableParallelism(), analyses: ANALYSES, results });
