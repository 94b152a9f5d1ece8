/**
 * Throughput of the face-analysis engine on CPU, end to end from encoded bytes, beside the bare
 * detector inference rate measured in the same run (so the gap shows what decoding, resampling and
 * post-processing cost). Run: `pnpm exec tsx subgraphs/analytics/bench/vision.ts`.
 * Environment: BENCH_SECONDS (per measurement, default 5), ORT_THREADS (intra-op threads, default ORT's).
 * Prints a table and writes bench-results/vision.json at the repository root.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { InferenceSession } from 'onnxruntime-node';
import {
  createFaceAnalyzer,
  decodeImage,
  DEFAULT_LIMITS,
  facepluginModelPath,
  sessionOptions,
  ultraFaceInput,
} from '../src/vision/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const threads = process.env.ORT_THREADS ? Number(process.env.ORT_THREADS) : undefined;
const mib = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

const FACES = ['astronaut.png', 'camera.png'];
const NO_FACES = ['chelsea.png', 'coffee.png', 'coins.png', 'brick.png', 'grass.png', 'text.png', 'horse.png', 'rocket.jpg'];
const load = (name: string) => new Uint8Array(readFileSync(join(root, 'test/fixtures/images', name)));
const portrait = load('astronaut.png');
const mixed = [...FACES, ...NO_FACES].map(load);

interface Measurement {
  name: string;
  concurrency: number;
  iterations: number;
  seconds: number;
  imagesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * Runs `op` in `concurrency` loops for about `seconds`, after a short warm-up; the time bound keeps
 * a run short on slow machines while still giving fast operations thousands of samples.
 */
async function measure(name: string, op: (i: number) => Promise<unknown>, concurrency = 1): Promise<Measurement> {
  for (let i = 0; i < 3; i++) await op(i);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await op(next++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
  return {
    name,
    concurrency,
    iterations: latencies.length,
    seconds: Math.round(elapsed * 100) / 100,
    imagesPerSecond: Math.round((latencies.length / elapsed) * 10) / 10,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
  };
}

const rssBefore = process.memoryUsage().rss;
const analyzer = createFaceAnalyzer(threads ? { intraOpNumThreads: threads } : {});
await analyzer.warmUp();
await analyzer.analyze(portrait);
const rssModelsLoaded = process.memoryUsage().rss;

const results: Measurement[] = [];
const run = async (name: string, op: (i: number) => Promise<unknown>, concurrency = 1) => {
  const m = await measure(name, op, concurrency);
  results.push(m);
  console.error(`  ${name}: ${m.imagesPerSecond} images/s`);
};

// Bare inference: a separate session on the same file and settings, fed an already prepared tensor.
const bare = await InferenceSession.create(facepluginModelPath('detector'), sessionOptions(threads ? { intraOpNumThreads: threads } : {}));
const tensor = await ultraFaceInput(await decodeImage(portrait, DEFAULT_LIMITS));
await run('detector session.run (preprocessed tensor)', () => bare.run({ input: tensor }));
await run('detect, from bytes (portrait 512x512)', () => analyzer.detect(portrait));
await run('detect, from bytes (10 fixtures in turn)', (i) => analyzer.detect(mixed[i % mixed.length]!));
await run('analyze, from bytes (portrait, 1 face)', () => analyzer.analyze(portrait));
await run('analyze, from bytes (10 fixtures in turn)', (i) => analyzer.analyze(mixed[i % mixed.length]!));
await run('analyze, from bytes (10 fixtures, 4 at once)', (i) => analyzer.analyze(mixed[i % mixed.length]!), 4);
await bare.release();
const rssPeak = process.memoryUsage().rss;
await analyzer.close();

const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpus: availableParallelism(),
  intraOpNumThreads: threads ?? 'onnxruntime default',
  secondsPerMeasurement: seconds,
  models: analyzer.models,
  memory: { rssBeforeMiB: mib(rssBefore), rssModelsLoadedMiB: mib(rssModelsLoaded), rssAfterRunsMiB: mib(rssPeak) },
  results,
};

const bareRate = results[0]!.imagesPerSecond;
console.table(
  results.map((r) => ({
    measurement: r.name,
    'images/s': r.imagesPerSecond,
    'vs bare': `${Math.round((r.imagesPerSecond / bareRate) * 100)}%`,
    'p50 ms': r.p50Ms,
    'p95 ms': r.p95Ms,
    runs: r.iterations,
  })),
);
console.log(
  `RSS: ${report.memory.rssBeforeMiB} MiB before, ${report.memory.rssModelsLoadedMiB} MiB with models loaded, ${report.memory.rssAfterRunsMiB} MiB after the runs`,
);
console.log(`${report.cpu}, ${report.cpus} CPUs, Node ${report.node}`);

const out = join(root, 'bench-results/vision.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`Wrote ${out}`);
