/**
 * The benchmark's subgraphs answered from memory (`BENCH_REPLAY=true`): one HTTP server in front of all
 * four, at `/<subgraph>`, that forwards a request it has not seen to the real subgraph and keeps the
 * answer (status, `content-type`, `cache-control` and bytes) under the request's subgraph, `authorization`
 * and body; the same request again is answered with those bytes. The parent sends every target every
 * request of the run once before the load, so that during the load the subgraphs cost next to nothing
 * and each gateway's rate is its own, not the ceiling of the one process that runs the seeded subgraphs.
 * Requests it still had to forward are counted (`replay-stats`): the parent reports them per row.
 */
import { createServer } from 'node:http';
import { gatewayUndici, serveParent, subgraphUrls } from './child.js';

const { Agent } = await gatewayUndici();

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const upstream = subgraphUrls();
const agent = new Agent({ connections: 64 });
const answers = new Map<string, Answer>();
let forwarded = 0;

async function forward(subgraph: string, authorization: string | undefined, body: Buffer): Promise<Answer> {
  const target = new URL(upstream[subgraph]!);
  const response = await agent.request({
    origin: target.origin,
    path: target.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'cache-control']) {
    const value = response.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return { status: response.statusCode, headers, body: Buffer.from(await response.body.arrayBuffer()) };
}

const server = createServer((req, res) => {
  const subgraph = (req.url ?? '').slice(1);
  if (req.method !== 'POST' || !upstream[subgraph]) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const key = `${subgraph}\0${req.headers.authorization ?? ''}\0${body.toString('latin1')}`;
    const known = answers.get(key);
    const answered = known
      ? Promise.resolve(known)
      : forward(subgraph, req.headers.authorization, body).then((answer) => {
          forwarded++;
          if (answer.status === 200) answers.set(key, answer);
          return answer;
        });
    answered.then(
      (answer) => {
        res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
        res.end(answer.body);
      },
      () => res.writeHead(502).end(),
    );
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;

process.on('message', (message: { type: string }) => {
  if (message.type === 'replay-stats') process.send?.({ type: 'replay-stats', forwarded });
});
serveParent(
  {
    type: 'ready',
    url: `http://127.0.0.1:${port}`,
    subgraphs: Object.fromEntries(Object.keys(upstream).map((name) => [name, `http://127.0.0.1:${port}/${name}`])),
  },
  async () => {
    server.close();
    await agent.close();
  },
);
