import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { meros } from 'meros/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSupergraph, type ServingGateway } from './serve.js';
import { inMemoryGraph } from './testing/subgraphs.js';

// The in-memory subgraphs behind HTTP, each recording the headers it was sent.
const graph = inMemoryGraph();
const received: { service: string; headers: IncomingHttpHeaders }[] = [];
const servers: Server[] = [];
/** Each in-memory subgraph's URL over HTTP. */
const urls = new Map<string, string>();
let served: ServingGateway;

beforeAll(async () => {
  let sdl = graph.supergraphSdl;
  for (const name of graph.schemas.keys()) {
    const server = createServer(async (request, response) => {
      received.push({ service: name, headers: request.headers });
      let body = '';
      for await (const chunk of request) body += chunk;
      const result = await graph.fetch(name, JSON.parse(body)).catch((err: Error) => ({ errors: [{ message: err.message }] }));
      // `x-stacktrace`: each error with a stack trace, as a subgraph in development mode sends it.
      if (request.headers['x-stacktrace'])
        for (const error of (result as { errors?: { extensions?: Record<string, unknown> }[] }).errors ?? [])
          error.extensions = { ...error.extensions, stacktrace: ['Error: at resolver (/srv/subgraph/index.js:1:1)'] };
      // `x-escape`: "Ada" written with an escape, as JSON allows: the text tells whether the gateway wrote it again.
      const text = JSON.stringify(result);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(request.headers['x-escape'] ? text.replaceAll('"Ada"', '"Ad\\u0061"') : text);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls.set(name, `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    sdl = sdl.replace(`http://${name}.invalid/graphql`, urls.get(name)!);
  }
  served = await serveSupergraph({ supergraphSdl: sdl, port: 0 });
});
afterAll(async () => {
  await served?.close();
  for (const server of servers) server.close();
});

/** POSTs a GraphQL request as JSON to `url` (the served gateway's, by default). */
function post(body: Record<string, unknown>, headers: Record<string, string> = {}, url = served.url): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('gateway:serve', () => {
  it('answers /graphql through the engine and forwards the request headers to each subgraph', async () => {
    received.length = 0;
    const response = await post(
      { query: '{ me { name reviews { rating product { name inStock } } } }' },
      { authorization: 'Bearer abc', 'x-tenant': 't1' },
    );
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
    const response = await post({ query: '{ users { name email } }' });
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

  it('writes the answer of a one-fetch plan that needs no shaping as the subgraph wrote it', async () => {
    const ask = async (query: string) => (await post({ query }, { 'x-escape': '1' })).text();
    // One fetch, nothing to shape: the subgraph's text, its escape included.
    expect(await ask('{ me { id name } }')).toBe('{"data":{"me":{"id":"1","name":"Ad\\u0061"}}}\n');
    // Shaped (an abstract type; a second fetch; an error): written by the gateway, the value the same.
    expect(await ask('{ node(id: "1") { id ... on User { name } } }')).toBe('{"data":{"node":{"id":"1","name":"Ada"}}}\n');
    expect(JSON.parse(await ask('{ me { name reviews { rating } } }'))).toEqual({
      data: { me: { name: 'Ada', reviews: [{ rating: 5 }, { rating: 4 }] } },
    });
    expect(await ask('{ me { name reviews { rating } } }')).not.toContain('\\u0061');
    const partial = await ask('{ users { name email } }');
    expect(partial).not.toContain('\\u0061');
    expect(JSON.parse(partial).errors).toHaveLength(1);
  });

  it('streams @defer over multipart/mixed, and answers one result to a client that does not accept it', async () => {
    const query = '{ me { id ... @defer(label: "more") { name reviews { rating } } } }';
    const streamed = await post({ query }, { accept: 'multipart/mixed;deferSpec=20220824, application/json' });
    expect(streamed.headers.get('content-type')).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
    // Read as Relay's and urql's fetchers read it.
    const parts = await meros<Record<string, unknown>>(streamed);
    if (!(Symbol.asyncIterator in parts)) throw new Error('not a multipart response');
    const payloads: unknown[] = [];
    for await (const part of parts) payloads.push(part.body);
    expect(payloads).toEqual([
      { data: { me: { id: '1' } }, hasNext: true },
      { incremental: [{ data: { name: 'Ada', reviews: [{ rating: 5 }, { rating: 4 }] }, path: ['me'], label: 'more' }], hasNext: false },
    ]);
    const whole = await post({ query }, { accept: 'application/json' });
    expect(whole.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await whole.json()).toEqual({ data: { me: { id: '1', name: 'Ada', reviews: [{ rating: 5 }, { rating: 4 }] } } });
  });

  it('sends no stack trace and none of the engine’s own extensions', async () => {
    const ask = async (query: string) =>
      (await (await post({ query }, { 'x-stacktrace': '1' })).json()) as {
        data?: unknown;
        errors?: { extensions?: Record<string, unknown> }[];
        extensions?: unknown;
      };
    const failed = await ask('{ topProducts { upc weight } }');
    expect(failed.errors?.length).toBeGreaterThan(0);
    const invalid = await ask('{ nope }');
    for (const error of [...(failed.errors ?? []), ...(invalid.errors ?? [])]) expect(error.extensions).not.toHaveProperty('stacktrace');
    // Nor in a deferred part's errors.
    const streamed = await post(
      { query: '{ topProducts { upc ... @defer { weight } } }' },
      { accept: 'multipart/mixed;deferSpec=20220824', 'x-stacktrace': '1' },
    );
    const text = await streamed.text();
    expect(text).toContain('Scale broken');
    expect(text).not.toContain('stacktrace');
    // r5's author is known to no subgraph but reviews: the engine reports it for Iris; @apollo/gateway says nothing.
    const unresolved = await ask('{ reviews { id author { birthYear } } }');
    expect(unresolved.data).toMatchObject({ reviews: expect.arrayContaining([{ id: 'r5', author: { birthYear: null } }]) });
    expect(unresolved.extensions).toBeUndefined();
  });

  it('words a subgraph that cannot be reached, or answers no JSON, as @apollo/gateway does', async () => {
    // accounts answers a body cut short; inventory's port has nothing listening.
    const cut = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":'));
    const closed = createServer();
    for (const server of [cut, closed]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const portOf = (server: Server) => (server.address() as AddressInfo).port;
    const closedPort = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    let sdl = graph.supergraphSdl.replace('http://accounts.invalid/graphql', `http://127.0.0.1:${portOf(cut)}/graphql`);
    sdl = sdl.replace('http://inventory.invalid/graphql', `http://127.0.0.1:${closedPort}/graphql`);
    for (const name of ['products', 'reviews']) sdl = sdl.replace(`http://${name}.invalid/graphql`, urls.get(name)!);
    const engine = await serveSupergraph({ supergraphSdl: sdl, port: 0 });
    const stock = await serveSupergraph({ supergraphSdl: sdl, port: 0, executor: 'apollo' });
    const ask = (query: string) =>
      Promise.all(
        [engine, stock].map(async ({ url }) => {
          const response = await post({ query }, {}, url);
          return (await response.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };
        }),
      );
    try {
      const [cutShort, cutShortStock] = await ask('{ me { id } }');
      expect(cutShort!.errors?.[0]?.message).toMatch(/^invalid json response body at http:\/\/127\.0\.0\.1:\d+\/graphql reason: /);
      expect(cutShort).toEqual(cutShortStock);
      // The products' data, and inventory's field null with the error; Node's HTTP and undici word a refused connection alike.
      const [refused, refusedStock] = await ask('{ topProducts(first: 1) { upc inStock } }');
      expect(refused!.data).toEqual({ topProducts: [{ upc: 'p1', inStock: null }] });
      expect(refused!.errors?.[0]?.message).toMatch(/^request to http:\/\/127\.0\.0\.1:\d+\/graphql failed, reason: connect ECONNREFUSED/);
      expect(refused).toEqual(refusedStock);
    } finally {
      await engine.close();
      await stock.close();
      cut.close();
    }
  });

  it('answers 400 to a document whose operation to run it cannot tell', async () => {
    for (const body of [
      { query: 'query A { me { id } } query B { me { name } }' },
      { query: 'query A { me { id } }', operationName: 'C' },
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const { errors } = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(errors.map((e) => e.extensions.code)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
      expect(errors[0]!.message).toContain(body.operationName ? 'Unknown operation named "C"' : '"A", "B"');
    }
  });

  it('answers /healthz', async () => {
    const response = await fetch(served.url.replace(/\/graphql$/, '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', executor: 'iris' });
  });
});
