/**
 * Iris's gateway beside the stock Apollo gateway and Hive Gateway, on the same supergraph, the same
 * subgraphs and the same load. One process runs the four subgraphs on a seeded scratch database;
 * each gateway runs in its own child process; autocannon drives them from this one, over loopback,
 * one after another. Every gateway's answer to every operation is checked against the reference
 * (the owning subgraph's answer, or Iris's) first, and during the run any non-200, GraphQL error or
 * different body counts as an error.
 *
 *   pnpm bench                                              # embedded PostgreSQL (PGlite)
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm bench
 *
 * Settings (environment):
 *   BENCH_CONNECTIONS=32  BENCH_DURATION=10 (s)  BENCH_WARMUP=3 (s)
 *   BENCH_ROUNDS=1   (rounds through every target in turn, each round starting one target later; each row
 *     is the median of its rounds, which steadies figures on a shared machine: 3 takes three times as long)
 *   BENCH_TRAFFIC=identical,varied   (every request the same, and/or every request in flight with other variables)
 *   BENCH_VARY_SIZE=1000  BENCH_VARY_CHECK=10   (varied variable sets per operation; how many every target must answer like the reference first)
 *   BENCH_GATEWAYS=iris,apollo,hive   BENCH_OPERATIONS=profiles,marks,nested   BENCH_FLOOR=true
 *     (`serve` adds Iris's engine alone, as `pnpm gateway:serve` runs it; the floor adds, beside the
 *     subgraph measured directly, a bare Node relay to it: what no Node gateway can spend less than)
 *   BENCH_PROFILES=5000  BENCH_MARKS=5000   (seeded rows)
 *   BENCH_CPU_PROF=dir   (writes a --cpu-prof profile of every child process to dir/<name>/)
 *   BENCH_LABEL=text     (kept in the results file)
 *   BENCH_IRIS_BASELINE=/other/checkout/gateway/src/index.ts   (also measures that Iris, as `baseline`)
 *   (`iris-apollo-http` in BENCH_GATEWAYS: this Iris with GATEWAY_HTTP_HANDLER=apollo, Apollo Server answering every request)
 *   BENCH_SAME_FLAGS=true   (the stock gateway and Hive Gateway also get the Node flags Iris's services start with)
 *   BENCH_NODE_ENV=production   (every process's NODE_ENV, as deployed; `development` to measure as `pnpm dev` runs)
 *   BENCH_FANOUT=true    (then runs `pnpm bench:fanout`: pure gateway work, the subgraphs answering from memory)
 *   BENCH_SPLIT=true     (each subgraph in its own process, as `pnpm start:<subgraph>` runs it, with Redis
 *     at REDIS_URL or 127.0.0.1:6379 for its events; needs DATABASE_URL)
 *   BENCH_REPLAY=true    (the subgraphs' answers replayed from memory during the load, `gateways/replay.ts`:
 *     each gateway's own rate, not the ceiling of the one process that runs the seeded subgraphs)
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { operations, type Operation } from './gateways/operations.js';
import { ask } from './ipc.js';
import { variations, type Variation } from './gateways/variations.js';

const env = process.env;
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(env.BENCH_DURATION ?? 10);
const WARMUP = Number(env.BENCH_WARMUP ?? 3);
const GATEWAYS = (env.BENCH_GATEWAYS ?? 'iris,apollo,hive')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const OPERATIONS = (env.BENCH_OPERATIONS ?? 'profiles,marks,nested')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const FLOOR = (env.BENCH_FLOOR ?? 'true') !== 'false';
const TRAFFIC = (env.BENCH_TRAFFIC ?? 'identical,varied')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as ('identical' | 'varied')[];
const VARY_SIZE = Number(env.BENCH_VARY_SIZE ?? 1000);
const VARY_CHECK = Number(env.BENCH_VARY_CHECK ?? 10);
/** Measurements of each target per operation and traffic, taken in turn; the report keeps their medians. */
const ROUNDS = Math.max(1, Number(env.BENCH_ROUNDS ?? 1));
const CPU_PROF = env.BENCH_CPU_PROF;
/** Another checkout's `gateway/src/index.ts`: measured as `baseline` beside this one (before/after). */
const BASELINE = env.BENCH_IRIS_BASELINE;
const REPLAY = env.BENCH_REPLAY === 'true';
const SPLIT = env.BENCH_SPLIT === 'true';
if (SPLIT && !env.DATABASE_URL) throw new Error('BENCH_SPLIT needs DATABASE_URL: processes cannot share an embedded database');
if (BASELINE && !GATEWAYS.includes('baseline')) GATEWAYS.splice(1, 0, 'baseline');

const LABELS: Record<string, string> = {
  iris: 'Iris gateway',
  apollo: 'stock Apollo gateway',
  hive: 'Hive Gateway',
  subgraph: 'subgraph directly (floor)',
  relay: 'bare Node relay to the subgraph',
  serve: 'Iris engine alone (gateway:serve)',
  baseline: 'Iris gateway (baseline)',
  'iris-apollo-http': 'Iris gateway, Apollo Server answering (GATEWAY_HTTP_HANDLER=apollo)',
};

interface Ready {
  type: 'ready';
  url: string;
  [key: string]: unknown;
}

/**
 * The Node.js flags Iris's services run with, read from `pnpm start:gateway` (package.json): Iris's
 * processes (its gateway, the engine alone, the subgraphs, the relay) start as the product starts them;
 * the stock Apollo gateway and Hive Gateway on Node's defaults, as they ship.
 */
const PRODUCT_NODE_FLAGS = (() => {
  const scripts = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  return [...(scripts['start:gateway'] ?? '').matchAll(/ (--[\w-]+=\S+)/g)].map((m) => m[1]!);
})();
const RUN_AS_PRODUCT = new Set(['iris', 'baseline', 'iris-apollo-http', 'serve', 'subgraphs', 'relay']);
/** BENCH_SAME_FLAGS=true: the stock Apollo gateway and Hive Gateway get Iris's flags too. */
const SAME_FLAGS = env.BENCH_SAME_FLAGS === 'true';

/**
 * Every process runs with the NODE_ENV operators deploy with (graphql-js, Fastify and the others skip
 * their development-time checks in production), and Iris's with the secrets production requires.
 */
const NODE_ENV = env.BENCH_NODE_ENV ?? 'production';
const secret = () => randomBytes(48).toString('base64');
const nodeEnv: Record<string, string> =
  NODE_ENV === 'production'
    ? { NODE_ENV, PAYMENT_WEBHOOK_SECRET: secret(), URL_SIGNING_SECRET: secret(), GATEWAY_SECRET: secret() }
    : { NODE_ENV };

/** Forks a benchmark process (TypeScript through tsx) and waits for it to say where it listens. */
function start(name: string, extraEnv: Record<string, string>): Promise<{ child: ChildProcess; ready: Ready }> {
  const file = name === 'baseline' || name === 'iris-apollo-http' ? 'iris' : name;
  if (name === 'baseline') extraEnv = { ...extraEnv, BENCH_IRIS_GATEWAY: BASELINE! };
  if (name === 'iris-apollo-http') extraEnv = { ...extraEnv, GATEWAY_HTTP_HANDLER: 'apollo' };
  const execArgv = [...(SAME_FLAGS || RUN_AS_PRODUCT.has(name) ? PRODUCT_NODE_FLAGS : []), '--import', 'tsx'];
  // One folder per process: its main thread's profile is the largest file there.
  if (CPU_PROF) execArgv.push('--cpu-prof', '--cpu-prof-dir', `${CPU_PROF}/${name}`);
  const child = fork(new URL(`./gateways/${file}.ts`, import.meta.url), [], {
    execArgv,
    env: { ...env, ...nodeEnv, ...extraEnv },
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 5 minutes`)), 300_000);
    child.on('message', (message: Ready) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve({ child, ready: message });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * CPU time (ms) every core of the machine has spent busy so far, whatever ran: the gateway, the
 * subgraphs, PostgreSQL, the load generator, the kernel's network work.
 */
const machineBusyMs = () => cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0);

/** CPU time (user + system, µs) the process has used so far. */
const cpuMicros = async (child: ChildProcess) => (await ask<{ micros: number }>(child, 'cpu', 'cpu')).micros;

const peakRssMb = async (child: ChildProcess) =>
  +((await ask<{ maxRssBytes: number }>(child, 'rss', 'rss')).maxRssBytes / 1024 / 1024).toFixed(0);

async function post(url: string, operation: Pick<Operation, 'query' | 'variables'>, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: operation.query, variables: operation.variables }),
  });
  const text = await response.text();
  return { status: response.status, text };
}

// --- The subgraphs, seeded -------------------------------------------------------------------------
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyEnv = {
  JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
const loadBefore = loadavg();
console.log(`starting the subgraphs and seeding (${env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})…`);
const subgraphProcess = await start('subgraphs', keyEnv);
const info = subgraphProcess.ready as Ready & {
  subgraphs: Record<string, string>;
  accessToken: string;
  database: string;
  seeded: Record<string, number>;
  seedSeconds: number;
  ids: { appId: string; markId: string };
  databaseUrl?: string;
};
console.log(`seeded ${JSON.stringify(info.seeded)} in ${info.seedSeconds} s`);
// With BENCH_SPLIT, each subgraph also runs alone in a process of its own on the seeded database, and the
// targets call those (the seeding process's own subgraphs stay idle).
const split = new Map<string, { child: ChildProcess; url: string }>();
for (const name of SPLIT ? Object.keys(info.subgraphs) : []) {
  const { child, ready } = await start('service', {
    ...keyEnv,
    BENCH_SERVICE: name,
    DATABASE_URL: info.databaseUrl!,
    REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  split.set(name, { child, url: ready.url });
}
const subgraphUrls = SPLIT ? Object.fromEntries([...split].map(([name, { url }]) => [name, url])) : info.subgraphs;
// With BENCH_REPLAY, every target calls the replay in front of the subgraphs (the floor included), and the
// subgraphs' CPU column is the replay's.
const replay = REPLAY ? await start('replay', { BENCH_SUBGRAPHS: JSON.stringify(subgraphUrls) }) : undefined;
const upstream = replay ? (replay.ready as Ready & { subgraphs: Record<string, string> }).subgraphs : subgraphUrls;
/** The processes whose CPU the `subgraphs CPU` column sums. */
const upstreamChildren = replay ? [replay.child] : SPLIT ? [...split.values()].map((s) => s.child) : [subgraphProcess.child];
const upstreamCpuMicros = async () => (await Promise.all(upstreamChildren.map(cpuMicros))).reduce((a, b) => a + b, 0);
const replayForwarded = async () => (replay ? (await ask<{ forwarded: number }>(replay.child, 'replay-stats')).forwarded : 0);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${info.accessToken}` };
const ops = operations(info.ids).filter((op) => OPERATIONS.includes(op.name));

// --- The gateways, each in its own process -------------------------------------------------------
const gatewayEnv = { ...keyEnv, BENCH_SUBGRAPHS: JSON.stringify(upstream) };
const gateways: { name: string; url: string; child: ChildProcess }[] = [];
try {
  for (const name of GATEWAYS) {
    const { child, ready } = await start(name, gatewayEnv);
    gateways.push({ name, url: ready.url, child });
    console.log(`${LABELS[name] ?? name} ready at ${ready.url}`);
  }
  // Beside each subgraph measured directly, the bare HTTP relay to it: what a gateway cannot spend less than.
  const relays = new Map<string, { url: string; child: ChildProcess }>();
  for (const subgraph of FLOOR ? new Set(ops.flatMap((op) => (op.subgraph ? [op.subgraph] : []))) : []) {
    const { child, ready } = await start('relay', { ...gatewayEnv, BENCH_RELAY_TO: subgraph });
    relays.set(subgraph, { url: ready.url, child });
    gateways.push({ name: `relay:${subgraph}`, url: ready.url, child });
  }

  interface Target {
    name: string;
    url: string;
    child?: ChildProcess;
  }
  const targetsOf = (op: Operation): Target[] => [
    ...gateways.filter((gateway) => !gateway.name.startsWith('relay:')),
    ...(FLOOR && op.subgraph
      ? [
          { name: 'relay', ...relays.get(op.subgraph)! },
          { name: 'subgraph', url: upstream[op.subgraph]! },
        ]
      : []),
  ];

  // --- Correctness first: the same data from every gateway -----------------------------------------
  const verifiers = new Map<string, (body: string) => boolean>();
  for (const op of ops) {
    const answers = new Map<string, { status: number; text: string; data: unknown }>();
    for (const target of targetsOf(op)) {
      const first = await post(target.url, op, headers);
      const second = await post(target.url, op, headers);
      const parsed = JSON.parse(first.text) as { data?: unknown; errors?: unknown };
      if (first.status !== 200 || parsed.errors || !parsed.data) {
        throw new Error(`${target.name} answered ${op.name} with ${first.status}: ${first.text.slice(0, 500)}`);
      }
      answers.set(target.name, { ...first, data: parsed.data });
      // The data is read-only: a body that repeats byte for byte is compared as a string during the run.
      const stable = first.text === second.text;
      verifiers.set(
        `${op.name}/${target.name}`,
        stable
          ? (body) => body === first.text
          : (body) => {
              try {
                const json = JSON.parse(body) as { data?: unknown; errors?: unknown };
                return !json.errors && isDeepStrictEqual(json.data, parsed.data);
              } catch {
                return false;
              }
            },
      );
    }
    const referenceName = answers.has('subgraph') ? 'subgraph' : answers.has('iris') ? 'iris' : [...answers.keys()][0]!;
    const reference = answers.get(referenceName)!;
    for (const [name, answer] of answers) {
      if (!isDeepStrictEqual(answer.data, reference.data)) {
        throw new Error(
          `${name} answered ${op.name} with other data than ${referenceName}:\n${answer.text.slice(0, 2000)}\n---\n${reference.text.slice(0, 2000)}`,
        );
      }
    }
    const size = reference.text.length;
    console.log(`✓ ${op.name}: ${[...answers.keys()].join(', ')} agree (${(size / 1024).toFixed(1)} KiB, reference: ${referenceName})`);
  }

  // --- Varied traffic: distinct variables per request, a sample checked against the reference first -
  const varied = new Map<string, Variation[]>();
  if (TRAFFIC.includes('varied')) {
    const postJson = async (url: string, query: string, variables: Record<string, unknown>) =>
      JSON.parse((await post(url, { query, variables }, headers)).text) as unknown;
    for (const [name, list] of await variations(ops, postJson, subgraphUrls, VARY_SIZE)) {
      const op = ops.find((o) => o.name === name)!;
      if (list.length <= CONNECTIONS)
        throw new Error(`only ${list.length} variable sets for ${name}: no more than the ${CONNECTIONS} connections`);
      varied.set(name, list);
      const step = Math.max(1, Math.floor(list.length / Math.max(1, VARY_CHECK)));
      for (let i = 0; i < list.length && i / step < VARY_CHECK; i += step) {
        const variation = list[i]!;
        const answers = new Map<string, { text: string; data: unknown }>();
        for (const target of targetsOf(op)) {
          const answer = await post(target.url, { query: op.query, variables: variation.variables }, headers);
          const parsed = JSON.parse(answer.text) as { data?: unknown; errors?: unknown };
          if (answer.status !== 200 || parsed.errors || !parsed.data || !variation.belongs(answer.text)) {
            throw new Error(
              `${target.name} answered ${op.name} ${JSON.stringify(variation.variables)} with ${answer.status}: ${answer.text.slice(0, 500)}`,
            );
          }
          answers.set(target.name, { text: answer.text, data: parsed.data });
        }
        const referenceName = answers.has('subgraph') ? 'subgraph' : answers.has('iris') ? 'iris' : [...answers.keys()][0]!;
        const reference = answers.get(referenceName)!;
        for (const [targetName, answer] of answers) {
          if (!isDeepStrictEqual(answer.data, reference.data)) {
            throw new Error(
              `${targetName} answered ${op.name} ${JSON.stringify(variation.variables)} with other data than ${referenceName}:\n${answer.text.slice(0, 2000)}\n---\n${reference.text.slice(0, 2000)}`,
            );
          }
        }
      }
      console.log(
        `✓ ${op.name} varied: ${list.length} variable sets, ${Math.min(VARY_CHECK, Math.ceil(list.length / step))} checked on ${targetsOf(
          op,
        )
          .map((t) => t.name)
          .join(', ')}`,
      );
    }
  }

  // --- With BENCH_REPLAY: every request of the run, through every target once, so the replay knows it -
  if (replay) {
    const started = performance.now();
    for (const op of ops) {
      const bodies = [
        ...(TRAFFIC.includes('identical') ? [{ query: op.query, variables: op.variables }] : []),
        ...(varied.get(op.name) ?? []).map((v) => ({ query: op.query, variables: v.variables })),
      ];
      for (const target of targetsOf(op)) {
        let next = 0;
        const worker = async () => {
          while (next < bodies.length) {
            const answer = await post(target.url, bodies[next++]!, headers);
            if (answer.status !== 200) throw new Error(`${target.name} answered ${op.name} with ${answer.status} while recording`);
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
      }
    }
    console.log(`✓ replay: ${await replayForwarded()} subgraph answers recorded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }

  // --- Load, one target at a time ------------------------------------------------------------------
  interface Row {
    operation: string;
    traffic: 'identical' | 'varied';
    target: string;
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    errors: number;
    peakRssMb: number | null;
    /** CPU time per answered request of the target's process, and of the subgraphs' process, during the measured run. */
    cpuMsPerRequest: number | null;
    subgraphCpuMsPerRequest: number;
    /**
     * CPU time per answered request of the whole machine (all cores, every process), and what is left of
     * it after the target's, the subgraphs' and the load generator's: PostgreSQL's on a live run, mostly.
     */
    machineCpuMsPerRequest: number;
    restCpuMsPerRequest: number;
    /** With BENCH_ROUNDS > 1, each round's req/s and CPU ms per request (the row holds their medians). */
    rounds: { requestsPerSecond: number; cpuMsPerRequest: number | null }[];
    detail: {
      total: number;
      non2xx: number;
      mismatches: number;
      socketErrors: number;
      timeouts: number;
      meanMs: number;
      maxMs: number;
      /** CPU time per answered request of this process, which runs autocannon. */
      loadGeneratorCpuMsPerRequest: number;
      /** With BENCH_REPLAY: subgraph calls of the measured run the replay had not recorded (the real subgraphs answered). */
      replayForwarded: number;
    };
  }
  const measure = async (op: Operation, traffic: 'identical' | 'varied', target: Target, round: number): Promise<Row> => {
    let wrongAnswers = 0;
    const run = async (duration: number) => {
      if (traffic === 'identical') {
        const verifyBody = verifiers.get(`${op.name}/${target.name}`)!;
        return autocannon({
          url: target.url,
          connections: CONNECTIONS,
          duration,
          method: 'POST',
          headers,
          body: JSON.stringify({ query: op.query, variables: op.variables }),
          timeout: 30,
          verifyBody,
        });
      }
      // Every request takes the next variable set from one counter all connections share; each
      // answer is checked against the variables its own request carried (non-200s count apart).
      const list = varied.get(op.name)!;
      const bodies = list.map((v) => JSON.stringify({ query: op.query, variables: v.variables }));
      let next = 0;
      const result = await autocannon({
        url: target.url,
        connections: CONNECTIONS,
        duration,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: new URL(target.url).pathname,
            headers,
            setupRequest: (request, context) => {
              const index = next++ % list.length;
              context.index = index;
              return { ...request, body: bodies[index]! };
            },
            onResponse: (status, body, context) => {
              if (status === 200 && !list[context.index as number]!.belongs(body)) wrongAnswers++;
            },
          },
        ],
      });
      return { ...result, mismatches: result.mismatches + wrongAnswers };
    };
    if (WARMUP > 0) await run(WARMUP);
    wrongAnswers = 0;
    const cpuBefore = target.child ? await cpuMicros(target.child) : 0;
    const subgraphCpuBefore = await upstreamCpuMicros();
    const forwardedBefore = await replayForwarded();
    const machineBefore = machineBusyMs();
    const loadGeneratorBefore = process.cpuUsage();
    const result = await run(DURATION);
    const machineMs = machineBusyMs() - machineBefore;
    const loadGeneratorUsage = process.cpuUsage(loadGeneratorBefore);
    const loadGeneratorMs = (loadGeneratorUsage.user + loadGeneratorUsage.system) / 1000;
    const cpuMs = target.child ? ((await cpuMicros(target.child)) - cpuBefore) / 1000 : null;
    const subgraphCpuMs = ((await upstreamCpuMicros()) - subgraphCpuBefore) / 1000;
    const forwarded = (await replayForwarded()) - forwardedBefore;
    const answered = Math.max(1, result.requests.total);
    /** CPU ms over the run as ms per answered request, two decimals. */
    const perRequest = (ms: number) => +(ms / answered).toFixed(2);
    const row: Row = {
      operation: op.name,
      traffic,
      target: target.name,
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.non2xx + result.mismatches,
      peakRssMb: target.child ? await peakRssMb(target.child) : null,
      cpuMsPerRequest: cpuMs === null ? null : perRequest(cpuMs),
      subgraphCpuMsPerRequest: perRequest(subgraphCpuMs),
      machineCpuMsPerRequest: perRequest(machineMs),
      restCpuMsPerRequest: perRequest(Math.max(0, machineMs - (cpuMs ?? 0) - subgraphCpuMs - loadGeneratorMs)),
      rounds: [],
      detail: {
        total: result.requests.total,
        non2xx: result.non2xx,
        mismatches: result.mismatches,
        socketErrors: result.errors - result.timeouts,
        timeouts: result.timeouts,
        meanMs: result.latency.mean,
        maxMs: result.latency.max,
        replayForwarded: forwarded,
        loadGeneratorCpuMsPerRequest: perRequest(loadGeneratorMs),
      },
    };
    console.log(
      `${ROUNDS > 1 ? `[${round + 1}/${ROUNDS}] ` : ''}${op.name.padEnd(9)} ${traffic.padEnd(9)} ${(LABELS[target.name] ?? target.name).padEnd(26)} ${String(row.requestsPerSecond).padStart(6)} req/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  errors ${row.errors}${row.peakRssMb ? `  peak RSS ${row.peakRssMb} MB` : ''}${row.cpuMsPerRequest === null ? '' : `  CPU ${row.cpuMsPerRequest} ms/req`}  subgraphs CPU ${row.subgraphCpuMsPerRequest} ms/req  machine CPU ${row.machineCpuMsPerRequest} ms/req${replay ? `  not replayed ${forwarded}` : ''}`,
    );
    return row;
  };
  // Rounds go through every target in turn, so that a slower spell of the machine falls on all of them;
  // each target's row holds the median of its rounds (each round's figures kept in `rounds`). Each round
  // starts one target later: the first of a round meets colder caches (the subgraphs' and PostgreSQL's,
  // after the last operation), which cost the same Iris about a sixth of its rate in a trial.
  const rows: Row[] = [];
  for (const op of ops) {
    for (const traffic of TRAFFIC) {
      const samples = new Map<string, Row[]>();
      const targets = targetsOf(op);
      for (let round = 0; round < ROUNDS; round++) {
        for (let turn = 0; turn < targets.length; turn++) {
          const target = targets[(round + turn) % targets.length]!;
          const sample = await measure(op, traffic, target, round);
          samples.set(target.name, [...(samples.get(target.name) ?? []), sample]);
        }
      }
      for (const target of targetsOf(op)) rows.push(medianRow(samples.get(target.name)!));
    }
  }

  /** One row of several rounds of the same target: the median of each figure, the errors of all. */
  function medianRow(samples: Row[]): Row {
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[middle]! : +((sorted[middle - 1]! + sorted[middle]!) / 2).toFixed(2);
    };
    const first = samples[0]!;
    if (samples.length === 1) return first;
    const cpu = samples.map((s) => s.cpuMsPerRequest);
    return {
      ...first,
      requestsPerSecond: Math.round(median(samples.map((s) => s.requestsPerSecond))),
      p50Ms: median(samples.map((s) => s.p50Ms)),
      p99Ms: median(samples.map((s) => s.p99Ms)),
      errors: samples.reduce((sum, s) => sum + s.errors, 0),
      peakRssMb: first.peakRssMb === null ? null : Math.max(...samples.map((s) => s.peakRssMb ?? 0)),
      cpuMsPerRequest: cpu.includes(null) ? null : median(cpu as number[]),
      subgraphCpuMsPerRequest: median(samples.map((s) => s.subgraphCpuMsPerRequest)),
      machineCpuMsPerRequest: median(samples.map((s) => s.machineCpuMsPerRequest)),
      restCpuMsPerRequest: median(samples.map((s) => s.restCpuMsPerRequest)),
      rounds: samples.map((s) => ({ requestsPerSecond: s.requestsPerSecond, cpuMsPerRequest: s.cpuMsPerRequest })),
      detail: {
        ...first.detail,
        replayForwarded: samples.reduce((sum, s) => sum + s.detail.replayForwarded, 0),
        loadGeneratorCpuMsPerRequest: median(samples.map((s) => s.detail.loadGeneratorCpuMsPerRequest)),
      },
    };
  }

  // --- Report --------------------------------------------------------------------------------------
  const ratio = (a?: number, b?: number) => (a && b ? +(a / b).toFixed(2) : null);
  const find = (op: string, traffic: string, target: string) =>
    rows.find((r) => r.operation === op && r.traffic === traffic && r.target === target);
  const ratios = ops.flatMap((op) =>
    TRAFFIC.map((traffic) => {
      const iris = find(op.name, traffic, 'iris');
      const apollo = find(op.name, traffic, 'apollo');
      const hive = find(op.name, traffic, 'hive');
      return {
        operation: op.name,
        traffic,
        throughputIrisOverStock: ratio(iris?.requestsPerSecond, apollo?.requestsPerSecond),
        throughputIrisOverHive: ratio(iris?.requestsPerSecond, hive?.requestsPerSecond),
        p99IrisOverStock: ratio(iris?.p99Ms, apollo?.p99Ms),
        p99IrisOverHive: ratio(iris?.p99Ms, hive?.p99Ms),
        cpuIrisOverStock: ratio(iris?.cpuMsPerRequest ?? undefined, apollo?.cpuMsPerRequest ?? undefined),
        // When the machine's cores are the limit (every process of a request on the same two cores), the
        // most Iris/stock rate the machine allows: the stock gateway's whole-machine CPU per request over Iris's.
        machineBoundIrisOverStock: ratio(apollo?.machineCpuMsPerRequest, iris?.machineCpuMsPerRequest),
        // Round by round: the machine's speed drifts over a run, less within one round's few minutes.
        cpuIrisOverStockEachRound:
          iris && apollo
            ? iris.rounds.map((round, i) => ratio(round.cpuMsPerRequest ?? undefined, apollo.rounds[i]?.cpuMsPerRequest ?? undefined))
            : [],
      };
    }),
  );
  const cpuRatioCell = (r: (typeof ratios)[number]) =>
    r.cpuIrisOverStock === null
      ? ''
      : r.cpuIrisOverStockEachRound.length > 1
        ? `${r.cpuIrisOverStock} (${r.cpuIrisOverStockEachRound.map((x) => x ?? '-').join(', ')})`
        : r.cpuIrisOverStock;
  const table = rows.map((r) => {
    const ratios_ = ratios.find((x) => x.operation === r.operation && x.traffic === r.traffic)!;
    return {
      operation: r.operation,
      traffic: r.traffic,
      target: LABELS[r.target] ?? r.target,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      errors: r.errors,
      'peak RSS MB': r.peakRssMb ?? '',
      'CPU ms/req': r.cpuMsPerRequest ?? '',
      ...(ROUNDS > 1 ? { 'CPU each round': r.rounds.map((x) => x.cpuMsPerRequest ?? '-').join(' / ') } : {}),
      [replay ? 'replay CPU ms/req' : 'subgraphs CPU ms/req']: r.subgraphCpuMsPerRequest,
      'machine CPU ms/req': r.machineCpuMsPerRequest,
      'rest CPU ms/req': r.restCpuMsPerRequest,
      ...(replay ? { 'not replayed': r.detail.replayForwarded } : {}),
      'Iris/stock': r.target === 'iris' ? (ratios_.throughputIrisOverStock ?? '') : '',
      'Iris CPU/stock': r.target === 'iris' ? cpuRatioCell(ratios_) : '',
      'machine bound': r.target === 'iris' ? (ratios_.machineBoundIrisOverStock ?? '') : '',
      'Iris/Hive': r.target === 'iris' ? (ratios_.throughputIrisOverHive ?? '') : '',
    };
  });
  const loadAfter = loadavg();
  const results = {
    label: env.BENCH_LABEL ?? null,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      loadAverageBefore: loadBefore,
      nodeFlags: { iris: PRODUCT_NODE_FLAGS, others: SAME_FLAGS ? PRODUCT_NODE_FLAGS : [] },
      nodeEnv: NODE_ENV,
      loadAverageAfter: loadAfter,
    },
    database: info.database,
    seeded: info.seeded,
    load: {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      traffic: TRAFFIC,
      variedSets: VARY_SIZE,
      tool: 'autocannon over loopback, one target at a time',
      subgraphs: REPLAY
        ? 'replayed from memory (BENCH_REPLAY)'
        : SPLIT
          ? 'live, one process per subgraph (BENCH_SPLIT)'
          : 'live, one process, seeded database',
    },
    operations: ops.map(({ name, description, query, variables }) => ({ name, description, query, variables })),
    rows,
    ratios,
  };
  console.log(
    `\n${info.database}${replay ? ' (subgraph answers replayed from memory)' : ''}${SPLIT ? ', one process per subgraph' : ''}; ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} → ${loadAfter.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs; NODE_ENV=${NODE_ENV}; Iris's processes with ${PRODUCT_NODE_FLAGS.join(' ') || "Node's defaults"}, the others with ${SAME_FLAGS ? 'the same' : "Node's defaults"}`,
  );
  console.table(table);
  console.log(markdown(table));
  mkdirSync('bench-results', { recursive: true });
  const file = `bench-results/gateways-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written to ${file}`);
} finally {
  for (const gateway of gateways) await stop(gateway.child);
  if (replay) await stop(replay.child);
  for (const { child } of split.values()) await stop(child);
  await stop(subgraphProcess.child);
}

// Pure gateway work: one operation fanning out over four in-memory subgraphs, stock executor vs the engine.
if ((env.BENCH_FANOUT ?? 'true') !== 'false') {
  console.log('\nfan-out (bench/fanout.ts): pure gateway work, subgraphs answering from memory');
  const fanout = spawnSync(process.execPath, ['--import', 'tsx', new URL('./fanout.ts', import.meta.url).pathname], {
    stdio: 'inherit',
    env: { ...env, ...nodeEnv },
  });
  if (fanout.status !== 0) process.exitCode = fanout.status ?? 1;
}

function markdown(table: Record<string, unknown>[]) {
  const columns = Object.keys(table[0] ?? {});
  const line = (cells: unknown[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...table.map((row) => line(columns.map((c) => row[c])))].join('\n');
}
