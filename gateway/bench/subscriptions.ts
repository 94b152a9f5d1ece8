/**
 * Live marks under load: N concurrent graphql-ws subscribers on one gateway (loopback only), marks
 * published at a steady rate, and the time from publish to receipt at every subscriber. Run twice:
 * with a selection the devices subgraph answers alone, and with fields from three subgraphs. The
 * subscribers live in child processes (`subscribers.ts`), at most 5,000 each.
 *
 *   pnpm bench:subscriptions                      # 1,000 subscribers
 *   SUBSCRIBERS=10000 pnpm bench:subscriptions
 *   RATE=2 SECONDS=10 pnpm bench:subscriptions    # marks per second, seconds per phase
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { DEMO } from '@iris/core';
import { startBenchGraph, summarize, writeResults } from '../../bench/harness.js';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1_000);
const RATE = Number(process.env.RATE ?? 2);
const SECONDS = Number(process.env.SECONDS ?? 10);
const PER_PROCESS = 5_000;

const SELECTIONS = {
  'devices fields only': 'id createdAt faceCount',
  'fields from three subgraphs': 'id createdAt faceCount device { name account { name } } analysis { faces { score } }',
};

const bench = await startBenchGraph();
const wsUrl = bench.graph.url.replace(/^http/, 'ws');
const results: Record<string, unknown>[] = [];

for (const [label, selection] of Object.entries(SELECTIONS)) {
  const latencies: number[] = [];
  let refused = 0;
  let connected = 0;
  const closes: Record<string, number> = {};
  const query = `subscription { deviceMarkCreated { ${selection} } }`;
  const rssBefore = process.memoryUsage().rss;
  const children: ChildProcess[] = [];
  for (let left = SUBSCRIBERS; left > 0; left -= PER_PROCESS) {
    const child = fork(new URL('./subscribers.ts', import.meta.url).pathname, [wsUrl, bench.ownerToken, String(Math.min(PER_PROCESS, left)), query], {
      execArgv: ['--import', 'tsx'],
    });
    child.on('message', (message: { type: string; values?: number[] }) => {
      if (message.type === 'latencies') latencies.push(...message.values!);
      if (message.type === 'refused') refused += (message as { count?: number }).count ?? 0;
      if (message.type === 'sockets') {
        const sockets = message as unknown as { connected: number; closes: Record<string, number> };
        connected += sockets.connected;
        for (const [code, n] of Object.entries(sockets.closes)) closes[code] = (closes[code] ?? 0) + n;
      }
    });
    children.push(child);
  }
  await Promise.all(children.map((child) => once(child, 'message')));
  // Subscribers are acknowledged a while after their sockets open: give every one time to be listening.
  await new Promise((r) => setTimeout(r, 3_000 + SUBSCRIBERS));
  const serverRssPerSubscriber = (process.memoryUsage().rss - rssBefore) / SUBSCRIBERS;

  const total = RATE * SECONDS;
  for (let i = 0; i < total; i++) {
    const mark = await bench.graph.database.prisma.deviceMark.create({
      data: { accountId: DEMO.account.id, deviceId: DEMO.device.id, groupId: DEMO.deviceGroup.id, createdAt: new Date() },
    });
    await bench.graph.bus.publish('mark.created', {
      markId: mark.id, accountId: mark.accountId, deviceId: mark.deviceId, groupId: mark.groupId, modeId: null, createdAt: mark.createdAt.toISOString(),
    });
    await new Promise((r) => setTimeout(r, 1_000 / RATE));
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
    subscribers: SUBSCRIBERS,
    events: total,
    delivered: `${latencies.length} of ${total * SUBSCRIBERS}`,
    refusedConnections: refused,
    connected,
    closedBeforeStop: JSON.stringify(closes),
    ...summarize('publish to receipt (ms)', latencies.length ? latencies : [NaN]),
    p99: sorted[Math.floor(sorted.length * 0.99)],
    serverRssPerSubscriberKiB: Math.round(serverRssPerSubscriber / 1024),
  });
  await new Promise((r) => setTimeout(r, 1_000));
}

console.table(results);
writeResults(`subscriptions-${SUBSCRIBERS}.json`, { note: 'Gateway and subgraphs in one process; subscribers in child processes; 2 cores in all.', results });
await bench.stop();
process.exit(0);
