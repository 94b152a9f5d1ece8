/**
 * A load process for the subscription benchmark: opens `count` graphql-ws subscribers (each its own
 * socket) and reports each event's publish-to-receipt time to its parent. Kept out of the server's
 * process so the two do not share one file-descriptor limit or one event loop.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const [url, countText, query] = process.argv.slice(2) as [string, string, string];
const count = Number(countText);
// The access tokens to subscribe with, from the parent (one for all, or one per subscriber).
const tokens = await new Promise<string[]>((resolve) => {
  const onTokens = (message: { type: string; tokens?: string[] }) => {
    if (message.type !== 'tokens') return;
    process.off('message', onTokens);
    resolve(message.tokens!);
  };
  process.on('message', onTokens);
});
const clients: Client[] = [];
let latencies: number[] = [];
let refused = 0;
// What happened to the sockets: how many got connected, and with which codes they closed (4429: too
// slow to read; 4403: credentials; 1001: the server going away; 1006: dropped without a close frame).
let connected = 0;
// Subscribers that have received at least one event: they are listening end to end.
let listening = 0;
const closes: Record<number, number> = {};
// A socket the server could not take (backlog full) rejects inside the client: count it, do not die.
process.on('unhandledRejection', () => {
  refused += 1;
});
process.on('uncaughtException', () => {
  refused += 1;
});

// Sockets that closed before their connection was acknowledged: they never got going.
let neverConnected = 0;

for (let i = 0; i < count; i++) {
  let acknowledged = false;
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${tokens[i % tokens.length]}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: {
      error: () => {},
      connected: () => {
        acknowledged = true;
        connected += 1;
      },
      closed: (event) => {
        if (!acknowledged) {
          neverConnected += 1;
          return;
        }
        const code = (event as { code?: number }).code ?? 0;
        closes[code] = (closes[code] ?? 0) + 1;
      },
    },
  });
  let heard = false;
  client.subscribe<{ deviceMarkCreated: { createdAt: string } }>(
    { query },
    {
      next: (value) => {
        if (!value.data) return;
        latencies.push(Date.now() - new Date(value.data.deviceMarkCreated.createdAt).getTime());
        if (!heard) {
          heard = true;
          listening += 1;
        }
      },
      error: () => {},
      complete: () => {},
    },
  );
  clients.push(client);
  // Ramp up gently: a burst of thousands of connects overflows the server's accept backlog.
  if (i % 100 === 99) await new Promise((r) => setTimeout(r, 100));
}
process.send!({ type: 'ready', rss: process.memoryUsage().rss });
setTimeout(() => process.send!({ type: 'refused', count: refused }), 5_000);

// Report in batches so the parent's channel stays small.
const flush = setInterval(() => {
  if (latencies.length === 0) return;
  process.send!({ type: 'latencies', values: latencies });
  latencies = [];
}, 500);

process.on('message', async (message: { type: string }) => {
  if (message.type === 'status') {
    const closed = Object.values(closes).reduce((a, b) => a + b, 0);
    process.send!({ type: 'status', connected, listening, closed, neverConnected });
    return;
  }
  // The warm-up is over: what was measured so far is not part of the figures.
  if (message.type === 'reset') {
    latencies = [];
    process.send!({ type: 'reset' });
    return;
  }
  if (message.type !== 'stop') return;
  clearInterval(flush);
  if (latencies.length) process.send!({ type: 'latencies', values: latencies });
  process.send!({ type: 'sockets', connected, neverConnected, closes: { ...closes } });
  await Promise.all(clients.map((c) => c.dispose()));
  process.send!({ type: 'stopped' }, () => process.exit(0));
});
