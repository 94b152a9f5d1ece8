/**
 * Live marks under load: N concurrent graphql-ws subscribers on one gateway (loopback only), marks
 * published at a steady rate, and the time from publish to receipt at every subscriber. Run twice:
 * with a selection the devices subgraph answers alone, and with fields from three subgraphs.
 *
 *   pnpm bench:subscriptions                      # 1,000 subscribers
 *   SUBSCRIBERS=10000 pnpm bench:subscriptions  (after `ulimit -n 65536`: two sockets per subscriber)
 *   RATE=2 SECONDS=10 pnpm bench:subscriptions    # marks per second, seconds per phase
 */
import { DEMO } from '@iris/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startBenchGraph, summarize, writeResults } from '../../bench/harness.js';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1_000);
const RATE = Number(process.env.RATE ?? 2);
const SECONDS = Number(process.env.SECONDS ?? 10);

const SELECTIONS = {
  'devices fields only': 'id createdAt faceCount',
  'fields from three subgraphs': 'id createdAt faceCount device { name account { name } } analysis { faces { score } }',
};

const bench = await startBenchGraph();
const wsUrl = bench.graph.url.replace(/^http/, 'ws');
const results: Record<string, unknown>[] = [];

for (const [label, selection] of Object.entries(SELECTIONS)) {
  const latencies: number[] = [];
  let received = 0;
  const clients: Client[] = [];
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${bench.ownerToken}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
      on: { error: () => {} },
    });
    client.subscribe<{ deviceMarkCreated: { createdAt: string } }>(
      { query: `subscription { deviceMarkCreated { ${selection} } }` },
      {
        next: (value) => {
          received += 1;
          if (value.data) latencies.push(Date.now() - new Date(value.data.deviceMarkCreated.createdAt).getTime());
        },
        error: () => {},
        complete: () => {},
      },
    );
    clients.push(client);
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 2_000 + SUBSCRIBERS / 2));
  const rssSubscribed = process.memoryUsage().rss;

  // Marks made at a steady rate; each carries its creation time, which subscribers read back.
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
  const deadline = Date.now() + 30_000;
  while (received < total * SUBSCRIBERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

  results.push({
    selection: label,
    subscribers: SUBSCRIBERS,
    events: total,
    delivered: `${received} of ${total * SUBSCRIBERS}`,
    ...summarize('publish to receipt (ms)', latencies.length ? latencies : [NaN]),
    p99: +[...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.99)]!?.toFixed(1),
    rssPerSubscriberKiB: Math.round((rssSubscribed - rssBefore) / SUBSCRIBERS / 1024),
  });
  await Promise.all(clients.map((c) => c.dispose()));
  await new Promise((r) => setTimeout(r, 1_000));
}

console.table(results);
writeResults(`subscriptions-${SUBSCRIBERS}.json`, { note: 'Subscribers, gateway and subgraphs share one process and its two cores.', results });
await bench.stop();
process.exit(0);
