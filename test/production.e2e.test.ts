import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createLogger, DEMO, loadConfig, MASKED_MESSAGE } from '@iris/core';
import { startGraph, type RunningGraph } from '@iris/server';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScratchDatabase, testEnvironment, type ScratchDatabase } from './support/scratchDatabase.js';

/**
 * `NODE_ENV=production`: secrets from the environment, a PostgreSQL server, no demo data, no
 * introspection or playground, CSRF prevention, and internal errors masked for the client but logged
 * with the request id. Runs on this machine's PostgreSQL when `DATABASE_URL` is set, and otherwise
 * on an embedded PostgreSQL served over a socket as a server would be.
 */
let graph: RunningGraph;
const GATEWAY_SECRET = 'the-gateway-credential-towards-subgraphs-32+';
let scratch: ScratchDatabase | undefined;
let embedded: { db: PGlite; server: PGLiteSocketServer } | undefined;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  let databaseUrl: string;
  if (process.env.DATABASE_URL) {
    scratch = await createScratchDatabase(process.env.DATABASE_URL, 'iris_production');
    databaseUrl = scratch.url;
  } else {
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
    await server.start();
    embedded = { db, server };
    databaseUrl = `postgresql://postgres:postgres@${server.getServerConn()}/postgres`;
  }
  const keys = await generateKeyPair('ES256', { extractable: true });
  const config = loadConfig({
    ...testEnvironment(),
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    IRIS_DATA_DIR: 'memory',
    JWT_PRIVATE_KEY: await exportPKCS8(keys.privateKey),
    JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
    PAYMENT_WEBHOOK_SECRET: 'a-production-webhook-secret-of-at-least-32-bytes',
    URL_SIGNING_SECRET: 'a-production-url-signing-secret-of-at-least-32-bytes',
    GATEWAY_SECRET: GATEWAY_SECRET,
  });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  graph = await startGraph(config, { logger: createLogger({ level: 'info', name: 'iris' }, sink) });
});

afterAll(async () => {
  await graph?.close().catch(() => {});
  await scratch?.drop();
  await embedded?.server.stop();
  await embedded?.db.close();
});

const post = async (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const response = await fetch(graph.url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return {
    status: response.status,
    body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
};

it('refuses to start without its secrets, naming each missing one', () => {
  expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
    /JWT_PRIVATE_KEY: required[\s\S]*DATABASE_URL: required[\s\S]*PAYMENT_WEBHOOK_SECRET: required[\s\S]*URL_SIGNING_SECRET: required/,
  );
});

it('refuses secrets equal to the development defaults or shorter than 32 bytes, naming each', () => {
  const defaults = loadConfig({});
  expect(() =>
    loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://db/iris',
      JWT_PRIVATE_KEY: 'pem',
      JWT_PUBLIC_KEY: 'pem',
      PAYMENT_WEBHOOK_SECRET: defaults.PAYMENT_WEBHOOK_SECRET,
      URL_SIGNING_SECRET: 'short-but-16-chars',
    }),
  ).toThrow(
    /PAYMENT_WEBHOOK_SECRET: is the development default[\s\S]*URL_SIGNING_SECRET: must be at least 32 bytes[\s\S]*GATEWAY_SECRET: required/,
  );
});

it("answers a subgraph's _service and introspection only to the gateway's credential", async () => {
  const subgraph = graph.subgraphs.devices.url;
  const ask = async (query: string, headers: Record<string, string> = {}) => {
    const response = await fetch(subgraph, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] },
    };
  };
  for (const query of [
    '{ _service { sdl } }',
    '{ __schema { types { name } } }',
    '{ __type(name: "Device") { fields { name } } }',
    '{ ...S } fragment S on Query { _service { sdl } }',
  ]) {
    for (const headers of [{}, { 'x-iris-gateway-secret': 'a guess' }] as Record<string, string>[]) {
      const refused = await ask(query, headers);
      expect(refused.status, query).toBe(403);
      expect(refused.body.data ?? null).toBeNull();
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(refused.body)).not.toMatch(/type Device|deviceMarks/);
    }
  }
  const asGateway = await ask('{ _service { sdl } }', { 'x-iris-gateway-secret': GATEWAY_SECRET });
  expect(asGateway.body.data?._service.sdl).toMatch(/type Device\b/);
  // The gateway, which sends it, still answers queries through every subgraph.
  const anonymous = await post({ query: '{ retentionPlans { name } }' });
  expect(anonymous.body.errors).toBeUndefined();
});

it('suggests no field, argument or enum names while introspection is off', async () => {
  const checks = [
    { query: '{ retentionPlan { name } }' },
    { query: '{ retentionPlans { nam } }' },
    { query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', variables: { i: { emial: 'a@iris.dev', password: 'x' } } },
  ];
  for (const body of checks) {
    const answer = await post(body);
    expect(answer.body.errors?.length, body.query).toBeGreaterThan(0);
    for (const error of answer.body.errors ?? []) expect(error.message).not.toMatch(/Did you mean/);
  }
  for (const url of [graph.subgraphs.identity.url]) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ retentionPlans { nam } }' }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    expect(body.errors?.[0]?.message).not.toMatch(/Did you mean/);
  }
});

it('seeds no demo data', async () => {
  expect(graph.seeded).toBe(false);
  const signIn = await post({
    query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }',
    variables: { i: { email: DEMO.mainUser.email, password: DEMO.password } },
  });
  expect(signIn.body.data?.login ?? null).toBeNull();
  expect(signIn.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

it('turns introspection and the playground off', async () => {
  const introspection = await post({ query: '{ __schema { types { name } } }' });
  expect(introspection.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
  const page = await fetch(graph.url.replace(/\/graphql$/, '/'), { headers: { accept: 'text/html' } });
  expect(page.status).toBe(404);
});

it('refuses requests a browser could send cross-site without a preflight (CSRF)', async () => {
  const simpleGet = await fetch(`${graph.url}?query=${encodeURIComponent('{ __typename }')}`);
  expect(simpleGet.status).toBe(400);
  const plainText = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(plainText.status).toBeGreaterThanOrEqual(400);
  const json = await post({ query: '{ __typename }' });
  expect(json).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
});

it('masks an internal error for the client and logs it with the request id', async () => {
  // The database goes away: every subgraph query now fails inside Prisma.
  if (embedded) await embedded.server.stop();
  else await scratch!.cut();
  const result = await post(
    {
      query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }',
      variables: { i: { email: 'someone@example.com', password: 'a password' } },
    },
    { 'content-type': 'application/json', 'x-request-id': 'production-masking-1' },
  );
  const text = JSON.stringify(result.body);
  expect(result.body.errors?.[0]).toMatchObject({
    message: MASKED_MESSAGE,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'production-masking-1' },
  });
  expect(text).not.toMatch(/prisma|SELECT|INSERT|ECONNREFUSED|stack|\/work\/|node_modules|at \w+ \(/i);
  const logged = logLines.find((line) => line.requestId === 'production-masking-1' && line.level === 50);
  expect(logged, 'the error is logged with the request id').toBeDefined();
});
