import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { DEMO } from '@iris/core';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * Every way a client subscribes: graphql-ws, SSE at /graphql/stream, and a plain POST /graphql as
 * Apollo's clients send it (multipart) or as SSE. Each admits with the limits HTTP applies, and says
 * why it refused a credential.
 */
let graph: TestGraph;
let owner: string;
let admin: string;
const clients: Client[] = [];
const streamUrl = () => graph.url.replace(/\/graphql$/, '/graphql/stream');

const MARK_CREATED = `subscription { deviceMarkCreated { id faceCount device { name account { name } } } }`;
/** A document of many tokens but few bytes, and one of many bytes but few tokens. */
const MANY_TOKENS = `subscription { deviceMarkCreated { ${Array.from({ length: 400 }, () => 'id').join(' ')} } }`;
const MANY_BYTES = `subscription { deviceMarkCreated { id } } # ${'x'.repeat(5000)}`;

beforeAll(async () => {
  graph = await startTestGraph({ MAX_TOKENS: '300', MAX_DOCUMENT_BYTES: '4096', SUBSCRIPTION_HEARTBEAT_INTERVAL_MS: '200' });
  owner = await graph.login();
  admin = await graph.login(DEMO.adminUser.email);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(() => graph?.stop());

/**
 * Creates marks on the demo device every half second until `received` settles: a subscriber whose
 * upstream subscription is not open yet misses a mark, so one mark after a fixed wait would be a race.
 */
async function markUntil<T>(received: Promise<T>, timeoutMs = 30_000): Promise<T> {
  let settled = false;
  const result = received.finally(() => (settled = true));
  const deadline = Date.now() + timeoutMs;
  while (!settled && Date.now() < deadline) {
    await graph.request(`mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`, {}, { token: admin });
    await Promise.race([result.catch(() => {}), new Promise((r) => setTimeout(r, 500))]);
  }
  return result;
}

function connect(connectionParams: Record<string, unknown>): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed: (event: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: graph.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  clients.push(client);
  return { client, closed };
}

/** The first result (or error) of a graphql-ws subscription. */
const firstOf = (client: Client, query: string) =>
  new Promise<{ data?: any; errors?: any[] }>((resolve) => {
    const stop = client.subscribe(
      { query },
      {
        next: (value) => {
          stop();
          resolve(value as never);
        },
        error: (errors) => resolve({ errors: Array.isArray(errors) ? errors : [errors] }),
        complete: () => {},
      },
    );
  });

const post = (body: unknown, headers: Record<string, string>, url = graph.url) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }) as Promise<
    Omit<Response, 'json'> & { json(): Promise<any> }
  >;

describe('subscriptions over plain HTTP on POST /graphql', () => {
  it("deliver a real deviceMarkCreated event to Apollo Client's own HttpLink (multipart subscriptions)", async () => {
    const client = new ApolloClient({
      link: new HttpLink({ uri: graph.url, headers: { authorization: `Bearer ${owner}` } }),
      cache: new InMemoryCache(),
    });
    let stop = () => {};
    const first = new Promise<any>((resolve, reject) => {
      const subscription = client.subscribe({ query: gql(MARK_CREATED) }).subscribe({ next: resolve, error: reject });
      stop = () => subscription.unsubscribe();
    });
    const result = await markUntil(first);
    stop();
    expect(result.error).toBeUndefined();
    expect(result.data.deviceMarkCreated).toMatchObject({
      faceCount: 0,
      device: { name: DEMO.device.name, account: { name: DEMO.account.name } },
    });
    client.stop();
  });

  it('speak the multipart protocol: --graphql parts holding {"payload"}, {} heartbeats, --graphql-- at the end', async () => {
    const controller = new AbortController();
    const response = await post(
      { query: MARK_CREATED },
      { authorization: `Bearer ${owner}`, accept: 'multipart/mixed;subscriptionSpec=1.0, application/json' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed; boundary="graphql"; subscriptionSpec="1.0"/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(() => text.includes('\r\n--graphql\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{}'));
    await markUntil(readUntil(() => text.includes('"payload"')));
    expect(text).toMatch(/\{"payload":\{"data":\{"deviceMarkCreated":\{"id":"[^"]+","faceCount":0/);
    await reader.cancel();
    controller.abort();
  });

  it('end a multipart stream when its token expires: the reason, then --graphql--', async () => {
    // A token issued so that it expires two seconds from now (the test clock sets the issue time).
    const shift = (graph.config.ACCESS_TOKEN_TTL_SECONDS - 2) * 1000;
    graph.clock.advance(-shift);
    const shortLived = await graph.login();
    graph.clock.advance(shift);
    const response = await post(
      { query: MARK_CREATED },
      { authorization: `Bearer ${shortLived}`, accept: 'multipart/mixed;subscriptionSpec=1.0' },
    );
    expect(response.status).toBe(200);
    const text = await response.text();
    const parts = text
      .split('\r\n--graphql')
      .map((part) => part.slice(part.indexOf('\r\n\r\n') + 4))
      .filter((body) => body.startsWith('{"payload"'));
    expect(JSON.parse(parts.at(-1)!).payload.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
    expect(text.endsWith('\r\n--graphql--\r\n')).toBe(true);
  });

  it('serve Accept: text/event-stream as GraphQL over SSE', async () => {
    const sse = createSseClient({ url: graph.url, headers: { authorization: `Bearer ${owner}` }, retryAttempts: 0 });
    let stop = () => {};
    const first = new Promise<any>((resolve) => {
      stop = sse.subscribe({ query: MARK_CREATED }, { next: resolve, error: (error) => resolve({ error }), complete: () => {} });
    });
    const result = await markUntil(first);
    stop();
    sse.dispose();
    expect(result.data?.deviceMarkCreated).toMatchObject({ faceCount: 0, device: { name: DEMO.device.name } });
  });

  it('answer any other Accept with 406 naming the transports, never a 500', async () => {
    const response = await post({ query: MARK_CREATED }, { authorization: `Bearer ${owner}`, accept: 'application/json' });
    expect(response.status).toBe(406);
    const body = await response.json();
    expect(body.errors[0].message).toMatch(/multipart\/mixed;subscriptionSpec=1\.0.*text\/event-stream/);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuse a subscription that reaches Apollo Server in a batch with 400 naming the transports, never a 500', async () => {
    const response = await post([{ query: MARK_CREATED }], { authorization: `Bearer ${owner}` });
    const [result] = await response.json();
    expect(result.errors[0]).toMatchObject({
      message: expect.stringMatching(/multipart\/mixed;subscriptionSpec=1\.0/),
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('refuse a caller without valid credentials with 401 and the reason', async () => {
    const response = await post(
      { query: MARK_CREATED },
      { authorization: 'Bearer <paste accessToken from Sign in>', accept: 'multipart/mixed;subscriptionSpec=1.0' },
    );
    expect(response.status).toBe(401);
    const [error] = (await response.json()).errors;
    expect(error.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: expect.stringMatching(/TOKEN_INVALID|AUTHORIZATION_MALFORMED/),
    });
  });
});

describe('/graphql/stream', () => {
  it('refuses queries and mutations with 400 BAD_REQUEST pointing at POST /graphql, instead of answering null', async () => {
    for (const query of [
      '{ me { email } }',
      '{ deviceMarks(first: 1) { nodes { id } } }',
      'mutation { markDeviceMarksRead(input: { ids: [] }) { id } }',
    ]) {
      const response = await post({ query }, { authorization: `Bearer ${owner}`, accept: 'text/event-stream' }, streamUrl());
      expect(response.status).toBe(400);
      expect((await response.json()).errors[0]).toMatchObject({
        message: expect.stringMatching(/^Only subscriptions are served at \/graphql\/stream; .*POST \/graphql/),
        extensions: { code: 'BAD_REQUEST' },
      });
    }
  });
});

describe('one admission for every transport: the limits HTTP applies, with its codes', () => {
  it('over HTTP (the reference)', async () => {
    const tokens = await post(
      { query: MANY_TOKENS.replace('subscription', 'query').replace('deviceMarkCreated', 'me') },
      { authorization: `Bearer ${owner}` },
    );
    expect((await tokens.json()).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const bytes = await post({ query: MANY_BYTES }, { authorization: `Bearer ${owner}` });
    expect(bytes.status).toBe(413);
  });

  it('over graphql-ws', async () => {
    const { client } = connect({ authorization: `Bearer ${owner}` });
    const tokens = await firstOf(client, MANY_TOKENS);
    expect(tokens.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/300 tokens/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    const bytes = await firstOf(client, MANY_BYTES);
    expect(bytes.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST', limit: 'documentBytes', max: 4096 } });
  });

  it('over SSE at /graphql/stream', async () => {
    const tokens = await post({ query: MANY_TOKENS }, { authorization: `Bearer ${owner}`, accept: 'text/event-stream' }, streamUrl());
    expect(tokens.status).toBe(400);
    expect((await tokens.json()).errors[0]).toMatchObject({
      message: expect.stringMatching(/300 tokens/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    const bytes = await post({ query: MANY_BYTES }, { authorization: `Bearer ${owner}`, accept: 'text/event-stream' }, streamUrl());
    expect(bytes.status).toBe(413);
    expect((await bytes.json()).errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', limit: 'documentBytes' });
  });

  it('over multipart HTTP', async () => {
    const accept = 'multipart/mixed;subscriptionSpec=1.0';
    const bytes = await post({ query: MANY_BYTES }, { authorization: `Bearer ${owner}`, accept });
    expect(bytes.status).toBe(413);
    expect((await bytes.json()).errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', limit: 'documentBytes' });
    const tokens = await post({ query: MANY_TOKENS }, { authorization: `Bearer ${owner}`, accept });
    expect(tokens.status).toBe(400);
    expect((await tokens.json()).errors[0]).toMatchObject({
      message: expect.stringMatching(/300 tokens/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
  });
});

describe('credential refusals a client can act on', () => {
  it('close graphql-ws with 4403 and the reason first', async () => {
    const missing = await connect({}).closed;
    expect(missing).toMatchObject({ code: 4403, reason: expect.stringMatching(/^CREDENTIALS_MISSING: /) });
    const placeholder = await connect({ authorization: 'Bearer <paste accessToken from Sign in>' }).closed;
    expect(placeholder).toMatchObject({ code: 4403, reason: expect.stringMatching(/^(TOKEN_INVALID|AUTHORIZATION_MALFORMED): /) });
    const badKey = await connect({ api_key: 'iris_not-a-real-key' }).closed;
    expect(badKey).toMatchObject({ code: 4403, reason: expect.stringMatching(/^API_KEY_INVALID: /) });
    const garbage = await connect({ authorization: 'Bearer abc.def.ghi' }).closed;
    expect(garbage.reason).toMatch(/^TOKEN_INVALID: /);
    expect(Buffer.byteLength(garbage.reason)).toBeLessThanOrEqual(123);
  });

  it('say TOKEN_EXPIRED for an expired token, over graphql-ws and SSE', async () => {
    const shift = (graph.config.ACCESS_TOKEN_TTL_SECONDS + 60) * 1000;
    graph.clock.advance(-shift);
    const expired = await graph.login();
    graph.clock.advance(shift);
    expect(await connect({ authorization: `Bearer ${expired}` }).closed).toMatchObject({
      code: 4403,
      reason: expect.stringMatching(/^TOKEN_EXPIRED: /),
    });
    const sse = await post({ query: MARK_CREATED }, { authorization: `Bearer ${expired}`, accept: 'text/event-stream' }, streamUrl());
    expect(sse.status).toBe(401);
    expect((await sse.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
    const multipart = await post(
      { query: MARK_CREATED },
      { authorization: `Bearer ${expired}`, accept: 'multipart/mixed;subscriptionSpec=1.0' },
    );
    expect((await multipart.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
  });

  it('read credentials at /graphql/stream as the other transports do: none is CREDENTIALS_MISSING, an API key is a key', async () => {
    const accept = 'text/event-stream';
    const missing = await post({ query: MARK_CREATED }, { accept }, streamUrl());
    expect(missing.status).toBe(401);
    expect((await missing.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'CREDENTIALS_MISSING' });
    const multipart = await post({ query: MARK_CREATED }, { accept: 'multipart/mixed;subscriptionSpec=1.0' });
    expect((await multipart.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'CREDENTIALS_MISSING' });
    const badKey = await post({ query: MARK_CREATED }, { accept, api_key: 'iris_not-a-real-key' }, streamUrl());
    expect(badKey.status).toBe(401);
    expect((await badKey.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_INVALID' });
  });

  it('accept `Authorization` with a capital A in connectionParams', async () => {
    const { client } = connect({ Authorization: `Bearer ${owner}` });
    const result = await markUntil(firstOf(client, MARK_CREATED));
    expect(result.errors).toBeUndefined();
    expect(result.data.deviceMarkCreated.device.name).toBe(DEMO.device.name);
  });
});
