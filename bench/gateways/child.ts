/**
 * What every process the gateway benchmark forks shares: it reports where it listens over IPC once
 * ready, answers `rss` with its peak resident set size and `cpu` with the CPU time it has used, and exits on `stop` (or when the parent goes).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface ReadyMessage {
  type: 'ready';
  url: string;
  [key: string]: unknown;
}

/** The gateway's own HTTP client (undici), resolved from the gateway package, for the processes that relay to subgraphs. */
export async function gatewayUndici(): Promise<typeof import('../../gateway/node_modules/undici/index.js')> {
  const require = createRequire(new URL('../../gateway/package.json', import.meta.url));
  return import(pathToFileURL(require.resolve('undici')).href);
}

/** The subgraph URLs the parent passes down (`BENCH_SUBGRAPHS`, JSON `{ name: url }`). */
export function subgraphUrls(): Record<string, string> {
  const raw = process.env.BENCH_SUBGRAPHS;
  if (!raw) throw new Error('BENCH_SUBGRAPHS is not set');
  return JSON.parse(raw) as Record<string, string>;
}

/** `schema/supergraph.graphql` with each subgraph's composed URL replaced by where it listens now. */
export function supergraphSdl(urls: Record<string, string>): string {
  const sdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  return sdl.replace(/@join__graph\(name: "(\w+)", url: "[^"]*"\)/g, (whole, name: string) =>
    urls[name] ? `@join__graph(name: "${name}", url: "${urls[name]}")` : whole,
  );
}

/** Tells the parent the process is ready, then serves its `rss` and `stop` requests. */
export function serveParent(ready: ReadyMessage, stop: () => Promise<void>): void {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'rss')
      send({ type: 'rss', maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage.rss() });
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', micros: user + system });
    }
    if (message.type === 'stop') {
      await stop().catch(() => {});
      send({ type: 'stopped' });
      // Let the IPC message go out (and --cpu-prof write its profile) before leaving.
      setTimeout(() => process.exit(0), 50);
    }
  });
  process.on('disconnect', () => process.exit(0));
  send(ready);
}
