import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { createLogger, loadConfig, type Principal } from '@iris/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildSchema, type GraphQLFormattedError } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { createOperationAdmission } from '../policy/admission.js';
import { useOperationLimits } from '../policy/limits.js';
import { registerHttpSubscriptions } from './httpSubscriptions.js';
import { createSubscriptionRunner, type SubscriptionRunnerOptions } from './runner.js';
import { registerSseSubscriptions } from './sse.js';
import { createUpstreamSubscriptions } from './upstreamSubscriptions.js';
import { serveWebSocketSubscriptions } from './webSocket.js';

/**
 * The three subscription transports, served for real (graphql-ws, SSE at `/graphql/stream`, multipart
 * on `POST /graphql`), refuse a document over the token limit or the depth limit before anything is
 * opened upstream, with the code and message Apollo Server gives the same document over HTTP.
 */
const schema = buildSchema(readFileSync(new URL('../../../schema/api.graphql', import.meta.url), 'utf8'));
const config = loadConfig({ MAX_TOKENS: '60', MAX_QUERY_DEPTH: '3' });
const logger = createLogger({ level: 'silent', name: 'gateway' });
const principal = { kind: 'user', userId: 'u', accountId: 'a', role: 'MAIN' } as unknown as Principal;

const OVER_TOKENS = `subscription { deviceMarkCreated { ${'id '.repeat(80)}} }`;
const OVER_DEPTH = 'subscription { deviceMarkCreated { device { account { name } } } }';

/**
 * A subscription runner with the given context. Nothing is opened upstream for a refused document: a
 * subgraph that does not exist is never called.
 */
function runnerWith(createContext: SubscriptionRunnerOptions['createContext']) {
  return createSubscriptionRunner({
    execute: async () => null,
    routes: () => new Map([['deviceMarkCreated', { subgraph: 'devices', lookupField: 'deviceMark' }]]),
    upstream: createUpstreamSubscriptions({ subgraphUrl: () => 'http://127.0.0.1:9' }),
    verifier: { watch: async () => ({ check: () => null, stop: () => {} }) } as never,
    createContext,
    admission: createOperationAdmission({ schema: () => schema, limits: config }),
  });
}

let app: FastifyInstance;
let url: string;
let stopWebSocket: () => Promise<void>;

beforeAll(async () => {
  app = Fastify();
  const runner = runnerWith(async ({ clientAddress }) => ({
    requestId: 'r',
    logger,
    auth: { principal, credentialError: null },
    forwardHeaders: {},
    clientAddress,
  }));
  stopWebSocket = serveWebSocketSubscriptions(app.server, () => schema, runner, 60_000, logger);
  registerSseSubscriptions(app, () => schema, runner);
  registerHttpSubscriptions(app, runner, { heartbeatMs: 60_000, logger });
  app.post('/graphql', async () => ({ data: null }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  url = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await stopWebSocket?.();
  await app?.close();
});

/** What Apollo Server answers over HTTP, with the gateway's limits (the reference). */
async function overHttp(query: string): Promise<GraphQLFormattedError> {
  const { apolloOptions } = useOperationLimits(config);
  const apollo = new ApolloServer<GatewayContext>({ schema, ...apolloOptions });
  await apollo.start();
  const response = await apollo.executeOperation({ query });
  await apollo.stop();
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult.errors![0]!;
}

async function overWebSocket(query: string): Promise<GraphQLFormattedError> {
  const client = createClient({ url: url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0 });
  try {
    return await new Promise<GraphQLFormattedError>((resolve, reject) => {
      client.subscribe(
        { query },
        {
          next: () => reject(new Error('an event came')),
          error: (errors) => resolve((errors as GraphQLFormattedError[])[0]!),
          complete: () => reject(new Error('completed')),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

async function overHttpStream(query: string, path: string, accept: string): Promise<{ status: number; error: GraphQLFormattedError }> {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, error: ((await response.json()) as { errors: GraphQLFormattedError[] }).errors[0]! };
}

describe.each([
  ['the token limit', OVER_TOKENS, 'GRAPHQL_PARSE_FAILED', /60 tokens/],
  ['the depth limit', OVER_DEPTH, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 3/],
])('a subscription over %s', (_limit, query, code, says) => {
  it('is refused over HTTP by Apollo Server (the reference)', async () => {
    expect(await overHttp(query)).toMatchObject({ message: expect.stringMatching(says), extensions: { code } });
  });

  it('is refused over graphql-ws with the same code and message', async () => {
    const reference = await overHttp(query);
    expect(await overWebSocket(query)).toMatchObject({ message: reference.message, extensions: { code } });
  });

  it('is refused over SSE (/graphql/stream) with 400, the same code and message', async () => {
    const reference = await overHttp(query);
    expect(await overHttpStream(query, '/graphql/stream', 'text/event-stream')).toMatchObject({
      status: 400,
      error: { message: reference.message, extensions: { code } },
    });
  });

  it('is refused over multipart and SSE on POST /graphql with 400, the same code and message', async () => {
    const reference = await overHttp(query);
    for (const accept of ['multipart/mixed;subscriptionSpec=1.0', 'text/event-stream']) {
      expect(await overHttpStream(query, '/graphql', accept)).toMatchObject({
        status: 400,
        error: { message: reference.message, extensions: { code } },
      });
    }
  });
});

/**
 * `/graphql/stream` reads credentials as `POST /graphql` does (a header not sent is not there), and
 * serves subscriptions only: a query or mutation is refused, not run against the API schema.
 */
describe('/graphql/stream', () => {
  let stream: FastifyInstance;
  let streamUrl: string;
  const seen: Record<string, string>[] = [];

  beforeAll(async () => {
    stream = Fastify();
    // Like the gateway's: a credential makes a principal, none is CREDENTIALS_MISSING, a non-Bearer
    // Authorization is AUTHORIZATION_MALFORMED.
    const runner = runnerWith(async ({ headers, clientAddress }) => {
      const sent = headers as Record<string, string>;
      seen.push(sent);
      const malformed = sent.authorization !== undefined && !/^Bearer \S+$/.test(sent.authorization);
      const credential = !malformed && (sent.authorization || sent.api_key || (sent.app_id && sent.app_key));
      return {
        requestId: 'r',
        logger,
        auth: {
          principal: credential ? principal : null,
          credentialError: malformed
            ? { reason: 'AUTHORIZATION_MALFORMED', message: 'The Authorization header must be `Bearer <access token>`.' }
            : null,
        },
        forwardHeaders: {},
        clientAddress,
      } as never;
    });
    registerSseSubscriptions(stream, () => schema, runner);
    await stream.listen({ host: '127.0.0.1', port: 0 });
    streamUrl = `http://127.0.0.1:${(stream.server.address() as { port: number }).port}/graphql/stream`;
  });
  afterAll(() => stream?.close());

  const send = async (query: string, headers: Record<string, string> = {}) => {
    const response = await fetch(streamUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: await response.text() };
  };

  it('says CREDENTIALS_MISSING without credentials, as the other transports do', async () => {
    const { status, body } = await send(OVER_DEPTH);
    expect(status).toBe(401);
    expect(JSON.parse(body).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'CREDENTIALS_MISSING' });
  });

  it('takes `api_key` and `app_id` + `app_key` headers as credentials, with no Authorization', async () => {
    for (const headers of [{ api_key: 'k' }, { app_id: 'i', app_key: 'k' }] as Record<string, string>[]) {
      seen.length = 0;
      const { status, body } = await send(OVER_DEPTH, headers);
      expect(seen).toEqual([headers]);
      // Past the credentials, to the admission's refusal of the document.
      expect(status).toBe(400);
      expect(JSON.parse(body).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('refuses queries and mutations with 400 BAD_REQUEST pointing at POST /graphql, instead of running them', async () => {
    for (const query of [
      '{ me { email } }',
      '{ deviceMarks(first: 1) { nodes { id } } }',
      'mutation { logout(input: { refreshToken: "r" }) { __typename } }',
    ]) {
      const { status, body } = await send(query, { authorization: 'Bearer t' });
      expect(status).toBe(400);
      expect(JSON.parse(body).errors[0]).toMatchObject({
        message: expect.stringMatching(/^Only subscriptions are served at \/graphql\/stream; .*POST \/graphql/),
        extensions: { code: 'BAD_REQUEST' },
      });
    }
  });
});
