/**
 * Live marks under load: N concurrent graphql-ws subscribers on one gateway (loopback only), marks
 * published at a steady rate, and the time from publish to receipt at every subscriber. Run twice:
 * with a selection the devices subgraph answers alone, and with fields from three subgraphs. The
 * subscribers live in child processes (`subscribers.ts`), at most 5,000 each.
 *
 *   pnpm bench:subscriptions                      # 1,000 subscribers
 *   SUBSCRIBERS=10000 pnpm bench:subscriptions
 *   RATE=2 SECONDS=10 pnpm bench:subscriptions    # marks per second, seconds per phase
 *   CREDENTIALS=tokens pnpm bench:subscriptions   # a token per subscriber, all one user
 *   CREDENTIALS=users pnpm bench:subscriptions    # a user per subscriber: nothing shared upstream
 *
 * Each phase first connects every subscriber, then publishes a mark a second until each one still
 * connected has received one (`setupSeconds`), and only then measures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { DEMO, loadConfig, signAccessToken, type Role } from '@iris/core';
import { decodeJwt } from 'jose';
import { testEnvironment } from '../../test/support/scratchDatabase.js';
import { startBenchGraph, summarize, writeResults } from '../../bench/harness.js';
import { ask } from '../../bench/ipc.js';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1_000);
const RATE = Number(process.env.RATE ?? 2);
const SECONDS = Number(process.env.SECONDS ?? 10);
const PER_PROCESS = 5_000;
/**
 * Who subscribes: `shared` (default), one token for all, as the tabs of one user; `tokens`, a token of
 * its own for each, all one user; `users`, a user of its own for each, all allowed to see every mark,
 * so nothing is shared upstream or in resolving an event: the gateway's worst case.
 */
const CREDENTIALS = (process.env.CREDENTIALS ?? 'shared') as 'shared' | 'tokens' | 'users';
const DISTINCT = CREDENTIALS !== 'shared';

const ALL_SELECTIONS = {
  'devices fields only': 'id createdAt faceCount',
  'fields from three subgraphs': 'id createdAt faceCount device { name account { name } } analysis { faces { score } }',
};
/** `SELECTIONS=devices` or `SELECTIONS=federated` runs one phase only. */
const SELECTIONS = Object.fromEntries(
  Object.entries(ALL_SELECTIONS).filter(
    ([label]) => !process.env.SELECTIONS || (process.env.SELECTIONS === 'devices') === label.startsWith('devices'),
  ),
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sum = <T extends Record<string, number>>(values: T[]) => {
  const total = {} as Record<string, number>;
  for (const value of values) for (const [key, n] of Object.entries(value)) if (typeof n === 'number') total[key] = (total[key] ?? 0) + n;
  return total as T;
};

const bench = await startBenchGraph();
const tokens = DISTINCT ? await mintTokens(SUBSCRIBERS) : [];

/**
 * `count` different access tokens (ECDSA signatures differ each time): for the benchmark token's user
 * (`tokens`), or each for a user of its own in the same account, as members of one team watching the
 * same devices (`users`).
 */
async function mintTokens(count: number) {
  const claims = decodeJwt(bench.ownerToken) as { sub: string; acc: string; role: Role };
  const config = loadConfig({ ...testEnvironment(), NODE_ENV: 'development' });
  const minted = new Set<string>();
  while (minted.size < count) {
    const userId = CREDENTIALS === 'users' ? randomUUID() : claims.sub;
    minted.add(
      (
        await signAccessToken(bench.graph.keys, config, {
          kind: 'user',
          userId,
          accountId: claims.acc,
          role: CREDENTIALS === 'users' ? 'MEMBER' : claims.role,
        })
      ).token,
    );
  }
  return [...minted];
}

/** A mark made and announced as the devices subgraph does after an analysis meets a mode. */
async function publishMark() {
  const mark = await bench.graph.database.prisma.deviceMark.create({
    data: { accountId: DEMO.account.id, deviceId: DEMO.device.id, groupId: DEMO.deviceGroup.id, createdAt: new Date() },
  });
  await bench.graph.bus.publish('mark.created', {
    markId: mark.id,
    accountId: mark.accountId,
    deviceId: mark.deviceId,
    groupId: mark.groupId,
    modeId: null,
    createdAt: mark.createdAt.toISOString(),
  });
}
const wsUrl = bench.graph.url.replace(/^http/, 'ws');
const results: Record<string, unknown>[] = [];

for (const [label, selection] of Object.entries(SELECTIONS)) {
  const latencies: number[] = [];
  let refused = 0;
  let connected = 0;
  let neverConnected = 0;
  const closes: Record<string, number> = {};
  const query = `subscription { deviceMarkCreated { ${selection} } }`;
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const children: ChildProcess[] = [];
  for (let left = SUBSCRIBERS; left > 0; left -= PER_PROCESS) {
    const size = Math.min(PER_PROCESS, left);
    const child = fork(new URL('./subscribers.ts', import.meta.url).pathname, [wsUrl, String(size), query], {
      execArgv: ['--import', 'tsx'],
    });
    const from = SUBSCRIBERS - left;
    child.send({ type: 'tokens', tokens: DISTINCT ? tokens.slice(from, from + size) : [bench.ownerToken] });
    child.on('message', (message: { type: string; values?: number[] }) => {
      if (message.type === 'latencies') latencies.push(...message.values!);
      if (message.type === 'refused') refused += (message as { count?: number }).count ?? 0;
      if (message.type === 'sockets') {
        const sockets = message as unknown as { connected: number; neverConnected: number; closes: Record<string, number> };
        connected += sockets.connected;
        neverConnected += sockets.neverConnected;
        for (const [code, n] of Object.entries(sockets.closes)) closes[code] = (closes[code] ?? 0) + n;
      }
    });
    children.push(child);
  }
  const connectStarted = performance.now();
  console.log(`${label}: connecting ${SUBSCRIBERS} subscribers`);
  await Promise.all(children.map((child) => once(child, 'message')));
  console.log(`${label}: all sockets opened in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s; warming up`);

  // Warm-up: a mark a second until every subscriber still connected has received one, so the figures
  // measure delivery to subscribers that are listening end to end, not the set-up of the last ones.
  const warmupDeadline = Date.now() + 180_000;
  let status = { connected: 0, listening: 0, closed: 0, neverConnected: 0 };
  do {
    await publishMark();
    await sleep(1_000);
    status = sum(await Promise.all(children.map((child) => ask<typeof status>(child, 'status'))));
    console.log(
      `${label}: ${status.listening} listening, ${status.connected} connected, ${status.closed} closed since, ${status.neverConnected} never connected`,
    );
  } while (
    (status.connected + status.neverConnected < SUBSCRIBERS || status.listening < status.connected - status.closed) &&
    Date.now() < warmupDeadline
  );
  const setupSeconds = (performance.now() - connectStarted) / 1000;
  await sleep(1_000);
  await Promise.all(children.map((child) => ask(child, 'reset')));
  // Each child's warm-up batches arrived before its reply (one channel, in order): drop them too.
  latencies.length = 0;
  globalThis.gc?.();
  const serverRssPerSubscriber = (process.memoryUsage().rss - rssBefore) / SUBSCRIBERS;

  const total = RATE * SECONDS;
  for (let i = 0; i < total; i++) {
    await publishMark();
    await sleep(1_000 / RATE);
  }
  const deadline = Date.now() + 60_000;
  while (latencies.length < total * SUBSCRIBERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const exited = children.filter((child) => child.exitCode !== null).length;
  for (const child of children) if (child.connected) child.send({ type: 'stop' });
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : Promise.resolve())));
  if (exited > 0) console.warn(`${exited} subscriber process(es) ended early`);

  const sorted = [...latencies].sort((a, b) => a - b);
  results.push({
    selection: label,
    credentials: { shared: 'one token for all', tokens: 'a token each, one user', users: 'a user each' }[CREDENTIALS],
    subscribers: SUBSCRIBERS,
    events: total,
    delivered: `${latencies.length} of ${total * SUBSCRIBERS}`,
    refusedConnections: refused,
    connected,
    neverConnected,
    listeningAfterWarmup: status.listening,
    setupSeconds: Math.round(setupSeconds * 10) / 10,
    closedBeforeStop: JSON.stringify(closes),
    ...summarize('publish to receipt (ms)', latencies.length ? latencies : [NaN]),
    p99: sorted[Math.floor(sorted.length * 0.99)],
    serverRssPerSubscriberKiB: Math.round(serverRssPerSubscriber / 1024),
  });
  // A quiet start for the next phase: the server lets go of this phase's sockets first.
  await sleep(5_000);
}

console.table(results);
writeResults(`subscriptions-${SUBSCRIBERS}.json`, {
  note: 'Gateway and subgraphs in one process; subscribers in child processes; 2 cores in all.',
  results,
});
await bench.stop();
process.exit(0);
