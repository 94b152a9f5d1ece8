/**
 * What face analysis costs the rest of the graph: a cheap query's latency (`{ me { id } }` through the
 * gateway, all in one process as `pnpm start` runs it) while twelve analyses run, and analysis
 * throughput, for each ANALYSIS_THREADS setting (0 = inference on the event loop, as before the
 * worker threads).
 *
 *   node --import tsx subgraphs/analytics/bench/eventLoop.ts
 *
 * Environment: THREADS (settings to compare, default `0,1,2`), ANALYSES (at once, default 12),
 * THROUGHPUT_ANALYSES (default 24), DATABASE_URL (a PostgreSQL server; default embedded PGlite).
 * Prints a table and writes bench-results/analysis-event-loop.json.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { startBenchGraph, writeResults } from '../../../bench/harness.js';

const settings = (process.env.THREADS ?? '0,1,2').split(',').map(Number);
const ANALYSES = Number(process.env.ANALYSES ?? 12);
const THROUGHPUT_ANALYSES = Number(process.env.THROUGHPUT_ANALYSES ?? 24);
const portrait = readFileSync(new URL('../../../test/fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const ANALYZE = 'mutation($input: AnalyzeImageInput!) { analyzeImage(input: $input) { faces { score } } }';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (ms: number) => Math.round(ms * 10) / 10;

const results = [];
for (const threads of settings) {
  const bench = await startBenchGraph({ ANALYSIS_THREADS: String(threads), LOG_LEVEL: 'error', SUBGRAPH_TIMEOUT_MS: '120000' });
  const auth = { authorization: `Bearer ${bench.ownerToken}` };
  const cheapQuery = () => bench.request('{ me { id } }', {}, auth).then((r) => r.ms);
  const analyze = () => bench.request(ANALYZE, { input: { imageBase64: portrait } }, auth);

  // Warm-up: every thread's models loaded, the query path compiled.
  await Promise.all(Array.from({ length: Math.max(1, threads) }, analyze));
  for (let i = 0; i < 20; i++) await cheapQuery();

  const idle: number[] = [];
  for (let i = 0; i < 30; i++) idle.push(await cheapQuery());

  // Cheap queries one after another for as long as the analyses run.
  let running = ANALYSES;
  const analyses = Array.from({ length: ANALYSES }, () => analyze().finally(() => (running -= 1)));
  const busy: number[] = [];
  while (running > 0) busy.push(await cheapQuery());
  await Promise.all(analyses);

  const started = performance.now();
  await Promise.all(Array.from({ length: THROUGHPUT_ANALYSES }, analyze));
  const seconds = (performance.now() - started) / 1000;

  const row = {
    threads,
    idleMedianMs: round(median(idle)),
    idleMaxMs: round(Math.max(...idle)),
    busyQueries: busy.length,
    busyMedianMs: round(median(busy)),
    busyMaxMs: round(Math.max(...busy)),
    analysesPerSecond: Math.round((THROUGHPUT_ANALYSES / seconds) * 100) / 100,
    rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
  results.push(row);
  console.log(JSON.stringify(row));
  await bench.stop();
}

console.log(`\n${availableParallelism()} CPUs, ${ANALYSES} analyses at once, ${THROUGHPUT_ANALYSES} for throughput`);
console.table(results);
writeResults('analysis-event-loop.json', {
  cpus: availableParallelism(),
  analyses: ANALYSES,
  throughputAnalyses: THROUGHPUT_ANALYSES,
  results,
});
