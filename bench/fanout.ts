/**
 * Pure gateway work: one operation that fans out into 100 products, 500 reviews and their authors
 * over four subgraphs (with @requires on every product), the subgraphs answering from memory. The
 * same Apollo Server + @apollo/gateway runs it with @apollo/gateway's executor (`apollo`) and with
 * Iris's engine (`iris`), each in its own process, one after the other, under autocannon. Both
 * answers are checked equal first; during the run any non-200 or other body counts as an error.
 *
 *   pnpm bench:fanout        BENCH_CONNECTIONS=16  BENCH_DURATION=5 (s)  BENCH_WARMUP=2 (s)
 *                            BENCH_CPU_PROF=dir (a --cpu-prof profile of every child process in dir/<name>/)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { ask } from './ipc.js';
import { FANOUT_QUERY, FANOUT_VARIABLES } from './fanout/graph.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CPU_PROF = process.env.BENCH_CPU_PROF;

function start(
  file: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; ready: { url: string; subgraphs?: Record<string, string> } }> {
  const execArgv = ['--import', 'tsx'];
  if (CPU_PROF) execArgv.push('--cpu-prof', '--cpu-prof-dir', `${CPU_PROF}/${env.BENCH_EXECUTOR ?? file}`);
  const child = fork(new URL(`./fanout/${file}.ts`, import.meta.url), [], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { type: string; url: string; subgraphs?: Record<string, string> }) => {
      if (message.type === 'ready') resolve({ child, ready: message });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  await exited;
}

const cpuMicros = async (child: ChildProcess) => (await ask<{ micros: number }>(child, 'cpu')).micros;
const body = JSON.stringify({ query: FANOUT_QUERY, variables: FANOUT_VARIABLES });
const headers = { 'content-type': 'application/json' };

const subgraphs = await start('subgraphs', {});
const children: ChildProcess[] = [subgraphs.child];
try {
  const gateways: { name: string; url: string; child: ChildProcess }[] = [];
  for (const executor of ['apollo', 'iris']) {
    const { child, ready } = await start('gateway', {
      BENCH_EXECUTOR: executor,
      BENCH_SUBGRAPHS: JSON.stringify(subgraphs.ready.subgraphs),
    });
    children.push(child);
    gateways.push({ name: executor, url: ready.url, child });
  }
  const answers = await Promise.all(gateways.map(async (g) => (await fetch(g.url, { method: 'POST', headers, body })).text()));
  const parsed = JSON.parse(answers[0]!) as { data?: { products: unknown[] }; errors?: unknown };
  if (parsed.errors || !parsed.data) throw new Error(`apollo answered with errors: ${answers[0]!.slice(0, 500)}`);
  if (answers.some((a) => a !== answers[0]))
    throw new Error(`the executors answer differently:\n${answers.map((a) => a.slice(0, 300)).join('\n')}`);
  console.log(`✓ both executors answer the same ${(answers[0]!.length / 1024).toFixed(1)} KiB`);
  const rows = [];
  for (const gateway of gateways) {
    const run = (duration: number) =>
      autocannon({
        url: gateway.url,
        connections: CONNECTIONS,
        duration,
        method: 'POST',
        headers,
        body,
        timeout: 30,
        verifyBody: (b) => b === answers[0],
      });
    if (WARMUP > 0) await run(WARMUP);
    const cpuBefore = await cpuMicros(gateway.child);
    const subgraphCpuBefore = await cpuMicros(subgraphs.child);
    const result = await run(DURATION);
    const answered = Math.max(1, result.requests.total);
    rows.push({
      executor: gateway.name,
      'req/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: result.errors + result.non2xx + result.mismatches,
      'gateway CPU ms/req': +(((await cpuMicros(gateway.child)) - cpuBefore) / 1000 / answered).toFixed(2),
      'subgraphs CPU ms/req': +(((await cpuMicros(subgraphs.child)) - subgraphCpuBefore) / 1000 / answered).toFixed(2),
    });
  }
  console.log(
    `fanout: ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  console.table(rows);
} finally {
  for (const child of children.reverse()) await stop(child);
}
