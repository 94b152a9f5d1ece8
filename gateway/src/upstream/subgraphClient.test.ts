import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { Subgraphs } from './subgraphs.js';

/**
 * The engine's direct subgraph client (`Subgraphs.clients`) against the data source the stock executor
 * uses (`Subgraphs.dataSource`): for the same fetch, the subgraph must receive the same request and
 * the caller the same answer, error and cache hint.
 */
let server: Server;
let url: string;
const received: { headers: IncomingHttpHeaders; body: unknown }[] = [];

beforeAll(async () => {
  // Answers as the request's variables say: `status`, `contentType`, `body` (raw) and `cacheControl`.
  server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as { variables?: Record<string, unknown> };
    received.push({ headers: req.headers, body });
    const v = body.variables ?? {};
    // A subgraph that never answers: only the gateway's deadline ends the call.
    if (v.hang) return;
    res.writeHead(Number(v.status ?? 200), {
      'content-type': String(v.contentType ?? 'application/json'),
      ...(v.cacheControl ? { 'cache-control': String(v.cacheControl) } : {}),
    });
    res.end(typeof v.body === 'string' ? v.body : JSON.stringify({ data: { ok: true } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(
  () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
);

const config = {
  SUBGRAPH_TIMEOUT_MS: 5_000,
  SUBGRAPH_BREAKER_FAILURES: 100,
  SUBGRAPH_BREAKER_RESET_MS: 1_000,
  GATEWAY_SECRET: 'gateway-secret-0123456789abcdef0123456789',
  METRICS: false,
};
const subgraphs = () => new Subgraphs([{ name: 'profiles', url: 'http://127.0.0.1:1/unused' }], config);

const context = {
  requestId: 'req-1',
  forwardHeaders: { authorization: 'Bearer abc', 'X-Iris-App': 'app-1' },
} as unknown as GatewayContext;

interface Outcome {
  headers: IncomingHttpHeaders;
  body: unknown;
  answer?: unknown;
  error?: { message: string; extensions: unknown };
  hints: unknown[];
}

/** One fetch through the data source (`useClient` false) or the direct client, and what both ends saw. */
async function fetchThrough(useClient: boolean, variables: Record<string, unknown>, operationName?: string): Promise<Outcome> {
  const graph = new Subgraphs([{ name: 'analytics', url }], config);
  const hints: unknown[] = [];
  const query = 'query Q($status: Int) { ok }';
  const before = received.length;
  let answer: unknown;
  let error: Outcome['error'];
  try {
    if (useClient) {
      const client = graph.clients('analytics', undefined)!;
      answer = await client(
        { query, variables, operationName, document: undefined, path: [] },
        { context, restrictCachePolicy: (hint) => hints.push(hint) },
      );
    } else {
      const source = graph.dataSource('analytics', undefined);
      const response = await source.process({
        kind: 'incoming operation',
        request: { query, variables, operationName },
        incomingRequestContext: { overallCachePolicy: { restrict: (hint: unknown) => hints.push(hint) } },
        context,
        document: undefined,
        pathInIncomingRequest: [],
      } as unknown as GraphQLDataSourceProcessOptions);
      const { http: _http, ...rest } = response as typeof response & { http?: unknown };
      answer = rest;
    }
  } catch (err) {
    error = { message: (err as Error).message, extensions: (err as { extensions?: unknown }).extensions };
  }
  // A query that got a 5xx is sent once more (resilience.ts), through either path.
  expect(received.length).toBe(before + (Number(variables.status ?? 200) >= 500 ? 2 : 1));
  return { ...received[before]!, answer, error, hints };
}

describe('the direct subgraph client', () => {
  const cases: [string, Record<string, unknown>, string?][] = [
    ['an answer', {}, 'Q'],
    ['an unnamed operation', { status: 200 }],
    ['a cache hint', { cacheControl: 'max-age=60, public' }, 'Q'],
    ['a private cache hint', { cacheControl: 'private, max-age="30"' }, 'Q'],
    ['GraphQL errors', { body: JSON.stringify({ data: null, errors: [{ message: 'nope', path: ['ok'] }] }) }, 'Q'],
    [
      'a 400 BAD_USER_INPUT',
      { status: 400, body: JSON.stringify({ errors: [{ message: 'bad date', extensions: { code: 'BAD_USER_INPUT' } }] }) },
    ],
    ['a 400 of another kind', { status: 400, body: JSON.stringify({ errors: [{ message: 'x', extensions: { code: 'OTHER' } }] }) }],
    ['a 401', { status: 401, body: JSON.stringify({ errors: [{ message: 'who' }] }) }],
    ['a 403 as text', { status: 403, contentType: 'text/plain', body: 'forbidden' }],
    ['a 500', { status: 500, body: 'oops', contentType: 'text/html' }],
    ['a 200 that is not JSON', { contentType: 'text/plain', body: 'hello' }],
    ['a 200 that is a JSON array', { body: '[1,2]' }],
  ];
  it.each(cases)('sends and answers as the data source does: %s', async (_name, variables, operationName) => {
    const stock = await fetchThrough(false, variables, operationName);
    const direct = await fetchThrough(true, variables, operationName);
    expect(direct.body).toEqual(stock.body);
    expect(direct.headers).toEqual(stock.headers);
    expect(direct.answer).toEqual(stock.answer);
    expect(direct.error).toEqual(stock.error);
    expect(direct.hints).toEqual(stock.hints);
  });

  it('passes on the request id, the caller credentials and the gateway secret', async () => {
    const direct = await fetchThrough(true, {});
    expect(direct.headers).toMatchObject({
      'x-request-id': 'req-1',
      authorization: 'Bearer abc',
      'x-iris-app': 'app-1',
      'x-iris-gateway-secret': 'gateway-secret-0123456789abcdef0123456789',
      'content-type': 'application/json',
    });
  });

  it('abandons a subgraph that does not answer within SUBGRAPH_TIMEOUT_MS, on either path, after one retry', async () => {
    const graph = new Subgraphs([{ name: 'analytics', url }], { ...config, SUBGRAPH_TIMEOUT_MS: 200 });
    const request = { query: 'query Q($hang: Boolean) { ok }', variables: { hang: true }, operationName: 'Q' };
    const unavailable = {
      message: 'The analytics service did not answer within 200 ms; the rest of the response is complete. Retry in 1 s.',
      extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', service: 'analytics' }),
    };
    const before = received.length;
    const client = graph.clients('analytics', undefined)!;
    await expect(client({ ...request, document: undefined, path: [] }, { context, restrictCachePolicy: undefined })).rejects.toMatchObject(
      unavailable,
    );
    const source = graph.dataSource('analytics', undefined);
    const response = source.process({
      kind: 'incoming operation',
      request,
      incomingRequestContext: {},
      context,
      document: undefined,
      pathInIncomingRequest: [],
    } as unknown as GraphQLDataSourceProcessOptions);
    await expect(response).rejects.toMatchObject(unavailable);
    // Each query was sent twice: once, and once more after its deadline passed.
    expect(received.length - before).toBe(4);
  });

  it('is the same client for the same subgraph and URL', () => {
    const graph = subgraphs();
    expect(graph.clients('profiles', undefined)).toBe(graph.clients('profiles', 'http://elsewhere/graphql'));
    expect(graph.clients('devices', undefined)).toBeUndefined();
    expect(graph.clients('devices', url)).toBe(graph.clients('devices', url));
  });
});
