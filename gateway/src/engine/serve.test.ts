import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSupergraph, type ServingGateway } from './serve.js';
import { inMemoryGraph } from './testing/subgraphs.js';

// The in-memory subgraphs behind HTTP, each recording the headers it was sent.
const graph = inMemoryGraph();
const received: { service: string; headers: IncomingHttpHeaders }[] = [];
const servers: Server[] = [];
let served: ServingGateway;

beforeAll(async () => {
  let sdl = graph.supergraphSdl;
  for (const name of graph.schemas.keys()) {
    const server = createServer(async (request, response) => {
      received.push({ service: name, headers: request.headers });
      let body = '';
      for await (const chunk of request) body += chunk;
      const result = await graph.fetch(name, JSON.parse(body)).catch((err: Error) => ({ errors: [{ message: err.message }] }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    sdl = sdl.replace(`http://${name}.invalid/graphql`, `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
  }
  served = await serveSupergraph({ supergraphSdl: sdl, port: 0 });
});
afterAll(async () => {
  await served?.close();
  for (const server of servers) server.close();
});

describe('gateway:serve', () => {
  it('answers /graphql through the engine and forwards the request headers to each subgraph', async () => {
    received.length = 0;
    const response = await fetch(served.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer abc', 'x-tenant': 't1' },
      body: JSON.stringify({ query: '{ me { name reviews { rating product { name inStock } } } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: {
        me: {
          name: 'Ada',
          reviews: [
            { rating: 5, product: { name: 'Table', inStock: true } },
            { rating: 4, product: { name: null, inStock: null } },
          ],
        },
      },
    });
    expect(new Set(received.map((r) => r.service))).toEqual(new Set(['accounts', 'reviews', 'inventory']));
    for (const { headers } of received) {
      expect(headers.authorization).toBe('Bearer abc');
      expect(headers['x-tenant']).toBe('t1');
    }
  });

  it('reports a failing subgraph as a partial error with the data it has', async () => {
    const response = await fetch(served.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ users { name email } }' }),
    });
    const body = (await response.json()) as { data: unknown; errors: { message: string; path: unknown[]; extensions: { code: string } }[] };
    expect(body.data).toEqual({
      users: [
        { name: 'Ada', email: 'ada@example.com' },
        { name: 'Alan', email: null },
        { name: 'Grace', email: null },
      ],
    });
    expect(body.errors.map((e) => [e.message, e.path, e.extensions.code])).toEqual([
      ['Not allowed to read User.email', ['users', 1, 'email'], 'FORBIDDEN'],
    ]);
  });

  it('answers /healthz', async () => {
    const response = await fetch(served.url.replace(/\/graphql$/, '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', executor: 'iris' });
  });
});
