import { Writable } from 'node:stream';
import { createLogger, DEMO, type InProcessEventBus } from '@iris/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/** The graph's log, as JSON lines (its destination is no terminal). */
const lines: Record<string, any>[] = [];
let graph: TestGraph;
let token: string;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  // Two sign-ins per address: the test's own, then one refused for its password; the third is rate limited.
  graph = await startTestGraph({ RATE_LIMIT_SENSITIVE_POINTS: '2' }, { logger: createLogger({ level: 'info', name: 'iris' }, sink) });
  token = await graph.login();
}, 120_000);

afterAll(async () => {
  await graph?.stop();
});

let sequence = 0;
/** Sends a request with a request id of its own, and returns the log lines that carry that id once one arrived. */
async function send(init: { method?: string; body?: string; headers?: Record<string, string>; search?: string }) {
  const requestId = `logs-test-${++sequence}`;
  await fetch(`${graph.url}${init.search ?? ''}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  }).then((r) => r.arrayBuffer());
  return linesOf(requestId);
}

async function linesOf(requestId: string) {
  await until(() => lines.some((l) => l.requestId === requestId));
  return lines.filter((l) => l.requestId === requestId);
}

async function until(condition: () => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a log line');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const operation = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });

describe('one line per operation at the gateway', () => {
  it('a signed-in query reaching two subgraphs is one info line: name, type, duration, result, caller, request id', async () => {
    const sent = await send({
      body: operation('query Me { me { email account { name devices(first: 1) { nodes { name } } } } }'),
      headers: { authorization: `Bearer ${token}` },
    });
    // The subgraphs' own lines are at debug level: at info the request is this one line.
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      level: 30,
      component: 'gateway',
      operationType: 'query',
      operationName: 'Me',
      result: 'ok',
      caller: 'user:MAIN',
      msg: expect.stringMatching(/^query Me ok [\d.]+ ms user:MAIN$/),
    });
    expect(sent[0]!.durationMs).toBeGreaterThan(0);
    expect(sent[0]!.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('a refused token is logged with its code and reason', async () => {
    const [line] = await send({ body: operation('query Me { me { email } }'), headers: { authorization: 'Bearer not-a-token' } });
    expect(line).toMatchObject({ operationName: 'Me', caller: 'anonymous', result: expect.stringMatching(/^UNAUTHENTICATED\/[A-Z_]+$/) });
    expect(line!.errors[0]).toMatchObject({ code: 'UNAUTHENTICATED', reason: expect.any(String), message: expect.any(String) });
  });

  it('a refused sign-in and a rate-limited one are logged, without the password', async () => {
    const signIn = (password: string) =>
      operation('mutation SignIn($i: LoginInput!) { login(input: $i) { accessToken } }', { i: { email: DEMO.mainUser.email, password } });
    const [wrong] = await send({ body: signIn('not-the-password-1') });
    expect(wrong).toMatchObject({
      operationType: 'mutation',
      operationName: 'SignIn',
      caller: 'anonymous',
      result: expect.stringMatching(/^UNAUTHENTICATED/),
    });
    const limited = (await send({ body: signIn('not-the-password-2') })).find((l) => l.operationName);
    expect(limited).toMatchObject({ operationName: 'SignIn', result: 'RATE_LIMITED' });
    expect(limited!.errors[0].message).toMatch(/Too many/);
    expect(JSON.stringify(lines)).not.toContain('not-the-password');
  });

  it('an operation limit refusal names the limit', async () => {
    const deep = `query Deep { me { ${'account { users(first: 1) { nodes { '.repeat(8)}email${' } } }'.repeat(8)} } }`;
    const [line] = await send({ body: operation(deep), headers: { authorization: `Bearer ${token}` } });
    expect(line).toMatchObject({ operationName: 'Deep', result: 'GRAPHQL_VALIDATION_FAILED', caller: 'user:MAIN' });
    expect(line!.errors.some((e: { limit?: string }) => e.limit === 'depth')).toBe(true);
  });
});

describe('requests refused before any operation runs', () => {
  it('an unsupported content type: the status, the code and what the client was told', async () => {
    const sent = await send({ body: '--x\r\n', headers: { 'content-type': 'multipart/form-data; boundary=x' } });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ status: 415, result: 'BAD_REQUEST', msg: 'POST /graphql refused 415 BAD_REQUEST' });
    expect(sent[0]!.errors[0].message).toMatch(/Content-Type/);
  });

  it('the advice given for a multipart upload works: a GET with the preflight header, or the upload as base64', async () => {
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\n',
    });
    expect(response.status).toBe(415);
    const { errors } = (await response.json()) as { errors: { message: string }[] };
    expect(errors[0]!.message).toMatch(/apollo-require-preflight: true/);
    expect(errors[0]!.message).toMatch(/uploadCapture.*base64 -w0/);
    const get = await fetch(`${graph.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('a GET without a preflight header, refused by CSRF prevention', async () => {
    const sent = await send({ method: 'GET', search: `?query=${encodeURIComponent('{ __typename }')}`, headers: { 'content-type': '' } });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      status: 400,
      component: 'gateway',
      result: 'BAD_REQUEST',
      msg: 'GET /graphql refused 400 BAD_REQUEST',
    });
    expect(sent[0]!.errors[0].message).toMatch(/CSRF/);
  });
});

describe('subscriptions over plain HTTP refused before they run', () => {
  const subscription = operation('subscription Live { deviceMarkCreated { id } }');

  it('without a transport it can be served on (406)', async () => {
    const sent = await send({ body: subscription, headers: { authorization: `Bearer ${token}` } });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ status: 406, result: 'BAD_REQUEST', msg: 'POST /graphql refused 406 BAD_REQUEST' });
  });

  it('with a refused token (401), its reason on the line', async () => {
    const sent = await send({ body: subscription, headers: { accept: 'text/event-stream', authorization: 'Bearer not-a-token' } });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ status: 401, result: expect.stringMatching(/^UNAUTHENTICATED\/[A-Z_]+$/) });
  });
});

it('the mark that tells refusals from operations never reaches a client', async () => {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: operation('{ __typename }'),
  });
  expect(response.status).toBe(200);
  expect([...response.headers.keys()].filter((name) => name.startsWith('x-iris'))).toEqual([]);
});

it('a subscription is one line when it ends, with its events and caller', async () => {
  const client = createClient({
    url: graph.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const before = lines.length;
  const bus = graph.bus as Partial<InProcessEventBus>;
  const listening = () => bus.listenerCount?.('mark.created') ?? 0;
  const listeningBefore = listening();
  const dispose = client.subscribe(
    { query: 'subscription Marks { deviceMarkCreated { id } }' },
    { next: () => {}, error: () => {}, complete: () => {} },
  );
  // Live once the devices subgraph listens for marks (on Redis, once the gateway counts it open); leaving then ends it.
  const open = async () =>
    bus.listenerCount
      ? listening() > listeningBefore
      : /iris_subscriptions_open\{transport="websocket"\} [1-9]/.test(await (await fetch(new URL('/metrics', graph.url))).text());
  for (let i = 0; i < 400 && !(await open()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  dispose();
  await until(() => lines.slice(before).some((l) => l.operationName === 'Marks'));
  await client.dispose();
  const line = lines.slice(before).find((l) => l.operationName === 'Marks')!;
  expect(line).toMatchObject({ level: 30, operationType: 'subscription', result: 'ok', caller: 'user:MAIN', events: 0 });
  expect(line.msg).toMatch(/^subscription Marks ok [\d.]+ ms user:MAIN, 0 events$/);
});

it('a refused subscription is one line with its codes', async () => {
  const client = createClient({
    url: graph.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const deep = `subscription DeepMarks { deviceMarkCreated { device { account { ${'users(first: 1) { nodes { account { '.repeat(6)}id${' } } }'.repeat(6)} } } } }`;
  const refused = await new Promise<unknown>((resolve) =>
    client.subscribe({ query: deep }, { next: resolve, error: resolve, complete: () => resolve(null) }),
  );
  expect(JSON.stringify(refused)).toMatch(/depth/i);
  await until(() => lines.some((l) => l.operationName === 'DeepMarks'));
  await client.dispose();
  expect(lines.find((l) => l.operationName === 'DeepMarks')).toMatchObject({
    operationType: 'subscription',
    result: 'GRAPHQL_VALIDATION_FAILED',
    events: 0,
    caller: 'user:MAIN',
  });
});
