/**
 * The least any Node.js gateway can spend on a one-subgraph operation: an HTTP server that relays each
 * request's body and `authorization` to the owning subgraph over a keep-alive undici pool and writes
 * the subgraph's bytes back, with no GraphQL work at all (no parsing, validation, planning or shaping).
 * Measured for operations one subgraph answers (`BENCH_RELAY_TO`, the subgraph's name), beside the
 * subgraph itself: the CPU it spends per request is what relaying the HTTP traffic costs on this machine.
 */
import { createServer } from 'node:http';
import { gatewayUndici, serveParent, subgraphUrls } from './child.js';

const { Pool } = await gatewayUndici();

const target = new URL(subgraphUrls()[process.env.BENCH_RELAY_TO ?? 'profiles']!);
const pool = new Pool(target.origin, { connections: 64, pipelining: 1 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    pool
      .request({
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      })
      .then(async ({ statusCode, body }) => {
        const bytes = Buffer.from(await body.arrayBuffer());
        res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
        res.end(bytes);
      })
      .catch(() => {
        res.writeHead(502).end();
      });
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;
serveParent({ type: 'ready', url: `http://127.0.0.1:${port}${target.pathname}` }, async () => {
  server.close();
  await pool.close();
});
