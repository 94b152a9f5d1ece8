import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, loadConfig } from '@iris/core';
import { startGraph, type RunningGraph } from '@iris/server';
import { hashPassword } from '@iris/identity';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type GraphQLResponse, type TestGraph } from './support/graph.js';
import { testEnvironment } from './support/scratchDatabase.js';
import { createTenant } from './support/tenants.js';

/**
 * Credentials end everywhere in seconds: a session's access tokens stop on HTTP and on every stream
 * (the gateway's WebSocket and SSE, a subgraph's own WebSocket) when they expire and soon after the
 * session is revoked, and across instances sharing Redis. The delays measured are printed; the only
 * bound asserted is a generous one (BOUND_MS), as the machine may be busy.
 */
const BOUND_MS = 30_000;
const PASSWORD = 'member-lantern-harbor-417';
const MARKS = `subscription { deviceMarkCreated { id device { name } } }`;
const DEVICES_MARKS = `subscription { deviceMarkCreated { id } }`;
const ME = `{ me { email } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`;

const figures: Record<string, number> = {};
afterAll(() => {
  if (Object.keys(figures).length) console.info(`revocation delays (ms, from the revoking call sent): ${JSON.stringify(figures)}`);
});

async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = BOUND_MS): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const reasonOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.reason as string | undefined;

interface Stream {
  name: string;
  events: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  /** The WebSocket's close, or the SSE stream's end. */
  ended: { code?: number; reason?: string; at: number } | null;
  dispose: () => void;
}

function gatewayWebSocket(graph: TestGraph, token: string): Stream {
  return webSocket('gateway WebSocket', graph.url.replace(/^http/, 'ws'), token, MARKS);
}

function devicesWebSocket(graph: TestGraph, token: string): Stream {
  return webSocket('devices WebSocket', graph.subgraphs.devices.url.replace(/^http/, 'ws'), token, DEVICES_MARKS);
}

function webSocket(name: string, url: string, token: string, query: string): Stream {
  const stream: Stream = { name, events: [], ended: null, dispose: () => {} };
  const client = createWsClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        stream.ended ??= { code, reason: String(reason), at: performance.now() };
      },
    },
  });
  client.subscribe({ query }, { next: (value) => void stream.events.push(value as never), error: () => {}, complete: () => {} });
  stream.dispose = () => void client.dispose();
  return stream;
}

function serverSentEvents(graph: TestGraph, token: string): Stream {
  const stream: Stream = { name: 'gateway SSE', events: [], ended: null, dispose: () => {} };
  const client = createSseClient({
    url: graph.url.replace(/\/graphql$/, '/graphql/stream'),
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const stop = client.subscribe(
    { query: MARKS },
    {
      next: (value) => void stream.events.push(value as never),
      error: () => void (stream.ended ??= { at: performance.now() }),
      complete: () => void (stream.ended ??= { at: performance.now() }),
    },
  );
  stream.dispose = () => {
    stop();
    client.dispose();
  };
  return stream;
}

const marksIn = (stream: Stream) => stream.events.filter((event) => event.data?.deviceMarkCreated).length;
const lastError = (stream: Stream) => stream.events.at(-1)?.errors?.[0]?.extensions;

describe('one graph (in-process bus)', () => {
  let graph: TestGraph;
  const open: Stream[] = [];
  let admin: string;

  beforeAll(async () => {
    graph = await startTestGraph();
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.dispose();
  });
  afterAll(() => graph?.stop());

  async function createMember() {
    const email = `member-${randomUUID().slice(0, 8)}@demo.test`;
    const user = await graph.database.prisma.user.create({
      data: { accountId: DEMO.account.id, email, role: 'MEMBER', passwordHash: await hashPassword(PASSWORD) },
    });
    return { id: user.id, token: await graph.login(email, PASSWORD) };
  }

  const streamsOf = (token: string) => {
    const streams = [gatewayWebSocket(graph, token), serverSentEvents(graph, token), devicesWebSocket(graph, token)];
    open.push(...streams);
    return streams;
  };

  /** Makes marks until every stream has received one more than it had. */
  async function markReaches(streams: Stream[]) {
    const before = streams.map(marksIn);
    admin = await graph.login(DEMO.adminUser.email);
    await waitFor(`a mark on ${streams.map((s) => s.name).join(', ')}`, async () => {
      const made = await graph.request(
        `mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`,
        {},
        { token: admin },
      );
      expect(made.errors).toBeUndefined();
      await graph.settle();
      await new Promise((resolve) => setTimeout(resolve, 200));
      return streams.every((stream, i) => marksIn(stream) > before[i]!);
    });
  }

  /** Streams that ended deliver nothing more: a mark made now reaches a live control stream, not them. */
  async function nothingMoreReaches(ended: Stream[]) {
    const counts = ended.map(marksIn);
    const control = gatewayWebSocket(graph, await graph.login(DEMO.adminUser.email));
    open.push(control);
    await markReaches([control]);
    expect(ended.map(marksIn)).toEqual(counts);
  }

  function expectEndedWith(streams: Stream[], reason: 'TOKEN_EXPIRED' | 'TOKEN_REVOKED') {
    const [ws, sse, devices] = streams as [Stream, Stream, Stream];
    expect(ws.ended).toMatchObject({ code: 4403 });
    expect(ws.ended!.reason).toMatch(new RegExp(`^${reason}`));
    expect(lastError(sse)).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    expect(devices.ended).toMatchObject({ code: 4403 });
    expect(devices.ended!.reason).toMatch(new RegExp(`^${reason}`));
  }

  it('ends a member’s gateway WebSocket, SSE stream and devices WebSocket when the token expires, and delivers nothing after', async () => {
    const member = await createMember();
    const streams = streamsOf(member.token);
    await markReaches(streams);

    // Past the token's lifetime on the graph's clock: its tokens expire now.
    graph.clock.advance((graph.config.ACCESS_TOKEN_TTL_SECONDS + 1) * 1000);
    await waitFor('every stream to end', () => streams.every((stream) => stream.ended));
    expectEndedWith(streams, 'TOKEN_EXPIRED');
    await nothingMoreReaches(streams);
  });

  it('stops a removed member’s HTTP requests and streams within seconds', async () => {
    const member = await createMember();
    const owner = await graph.login();
    const streams = streamsOf(member.token);
    await markReaches(streams);
    expect(reasonOf(await graph.request(ME, {}, { token: member.token }))).toBeUndefined();

    const sent = performance.now();
    const removed = await graph.request(
      `mutation($id: ID!) { removeMember(input: { userId: $id }) { removedUserId } }`,
      { id: member.id },
      { token: owner },
    );
    expect(removed.errors).toBeUndefined();
    await waitFor(
      'the member’s token to be refused',
      async () => reasonOf(await graph.request(ME, {}, { token: member.token })) === 'TOKEN_REVOKED',
    );
    figures['member removed: HTTP'] = Math.round(performance.now() - sent);
    await waitFor('every stream to end', () => streams.every((stream) => stream.ended));
    for (const stream of streams) figures[`member removed: ${stream.name}`] = Math.round(stream.ended!.at - sent);
    expectEndedWith(streams, 'TOKEN_REVOKED');
    // A removed member's token no longer writes either.
    const write = await graph.request(`mutation { addDevice(input: { name: "after removal" }) { id } }`, {}, { token: member.token });
    expect(write.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
    await nothingMoreReaches(streams);
  });

  it('keeps a subscriber whose own session is valid receiving when the session that opened the shared upstream subscription is revoked', async () => {
    const first = (await graph.request(LOGIN, { input: { email: DEMO.mainUser.email, password: DEMO.password } })).data!.login;
    const second = await graph.login();
    const revoked = gatewayWebSocket(graph, first.accessToken);
    open.push(revoked);
    await markReaches([revoked]);
    // The same principal asking the same thing: it shares the upstream subscription the first one opened.
    const survivor = gatewayWebSocket(graph, second);
    open.push(survivor);
    await markReaches([revoked, survivor]);

    const sent = performance.now();
    await graph.request(`mutation($t: String!) { logout(input: { refreshToken: $t }) { revoked } }`, { t: first.refreshToken });
    await waitFor('the revoked session’s socket to close', () => revoked.ended);
    figures['logout: gateway WebSocket'] = Math.round(revoked.ended!.at - sent);
    expect(revoked.ended).toMatchObject({ code: 4403 });
    expect(revoked.ended!.reason).toMatch(/^TOKEN_REVOKED/);

    const counted = marksIn(revoked);
    await markReaches([survivor]);
    expect(survivor.ended).toBeNull();
    expect(marksIn(revoked)).toBe(counted);
  });

  it('refuses on HTTP the access tokens of a logout, a detected refresh-token reuse, a password change, a deactivation and a revoked API key', async () => {
    const measure = async (name: string, token: string, revoke: () => Promise<unknown>) => {
      expect(reasonOf(await graph.request(ME, {}, { token }))).toBeUndefined();
      const sent = performance.now();
      await revoke();
      const refused = await waitFor(`${name} to refuse the token`, async () => {
        const result = await graph.request(ME, {}, { token });
        return reasonOf(result) ? result : null;
      });
      figures[`${name}: HTTP`] = Math.round(performance.now() - sent);
      expect(refused.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
    };
    const signIn = async (email: string, password: string = DEMO.password) =>
      (await graph.request(LOGIN, { input: { email, password } })).data!.login as { accessToken: string; refreshToken: string };
    const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }`;

    const loggedOut = await signIn(DEMO.mainUser.email);
    await measure('logout', loggedOut.accessToken, () =>
      graph.request(`mutation($t: String!) { logout(input: { refreshToken: $t }) { revoked } }`, { t: loggedOut.refreshToken }),
    );

    // A refresh token used twice ends its session: the tokens of both rotations stop.
    const leaked = await signIn(DEMO.mainUser.email);
    const rotated = (await graph.request(REFRESH, { t: leaked.refreshToken })).data!.refreshToken as { accessToken: string };
    await measure('refresh-token reuse', rotated.accessToken, () => graph.request(REFRESH, { t: leaked.refreshToken }));
    expect(reasonOf(await graph.request(ME, {}, { token: leaked.accessToken }))).toBe('TOKEN_REVOKED');

    const tenant = await createTenant(graph, 'Revoked Co');
    const elsewhere = await signIn(tenant.email, tenant.password);
    const NEW_PASSWORD = 'harbor-lantern-quiet-735';
    await measure('password change', elsewhere.accessToken, () =>
      graph.request(
        `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { user { email } } }`,
        { input: { currentPassword: tenant.password, newPassword: NEW_PASSWORD } },
        { token: tenant.token },
      ),
    );
    expect(reasonOf(await graph.request(ME, {}, { token: tenant.token }))).toBeUndefined();

    const adminToken = await graph.login(DEMO.adminUser.email);
    await measure('account deactivation', tenant.token, () =>
      graph.request(
        `mutation($input: SetAccountStatusInput!) { setAccountStatus(input: $input) { active } }`,
        { input: { accountId: tenant.account.id, active: false } },
        { token: adminToken },
      ),
    );
    // Activated again, its users sign in again and their new tokens hold, however soon after.
    await graph.request(
      `mutation($input: SetAccountStatusInput!) { setAccountStatus(input: $input) { active } }`,
      { input: { accountId: tenant.account.id, active: true } },
      { token: adminToken },
    );
    const again = await signIn(tenant.email, NEW_PASSWORD);
    expect((await graph.request(ME, {}, { token: again.accessToken })).data).toEqual({ me: { email: tenant.email } });

    const owner = await graph.login();
    const created = await graph.request<{ createApiKey: { apiKey: { id: string }; secret: string } }>(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } secret } }`,
      { input: { appId: DEMO.app.id, name: 'to be revoked', scopes: ['PROFILES_READ'] } },
      { token: owner },
    );
    const { secret, apiKey } = created.data!.createApiKey;
    const exchanged = await graph.request<{ exchangeApiKey: { accessToken: string } }>(
      `mutation($input: ExchangeApiKeyInput!) { exchangeApiKey(input: $input) { accessToken } }`,
      { input: { apiKey: secret } },
      { url: graph.subgraphs.identity.url },
    );
    const keyToken = exchanged.data!.exchangeApiKey.accessToken;
    // The gateway trades the key for a token of its own and keeps it for its next requests.
    expect((await graph.request(ME, {}, { headers: { api_key: secret } })).errors?.[0]?.extensions?.code).not.toBe('UNAUTHENTICATED');
    await measure('API key revocation', keyToken, () =>
      graph.request(`mutation($id: ID!) { revokeApiKey(input: { id: $id }) { id } }`, { id: apiKey.id }, { token: owner }),
    );
    // That token was revoked with the key: the gateway asks identity again, which refuses the key.
    const viaGateway = await graph.request(ME, {}, { headers: { api_key: secret } });
    expect(viaGateway.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_INVALID' });
  });
});

const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const redisAnswers = await new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }).connect().then(
  () => true,
  () => false,
);
if (!redisAnswers) console.warn(`No Redis answers at ${REDIS_URL}: the revocation-across-instances test is skipped.`);

describe.skipIf(!redisAnswers)('instances sharing Redis', () => {
  const base = { ...testEnvironment(), REDIS_URL, REDIS_PREFIX: `iris-revocation-${randomBytes(4).toString('hex')}:` };
  const graphs: RunningGraph[] = [];
  let config: Record<string, string>;

  beforeAll(async () => {
    // One signing key and one database for every instance, as a deployment shares them.
    const { generateKeyPair, exportPKCS8, exportSPKI } = await import('jose');
    const pair = await generateKeyPair('ES256', { extractable: true });
    config = {
      ...base,
      JWT_PRIVATE_KEY: await exportPKCS8(pair.privateKey),
      JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey),
      IRIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'iris-revocation-')),
    };
    graphs.push(await startGraph(loadConfig({ ...config, SEED_DEMO_DATA: 'true' })));
    config.DATABASE_URL = graphs[0]!.database.url!;
    graphs.push(await startGraph(loadConfig({ ...config, SEED_DEMO_DATA: 'false' })));
  });
  afterAll(async () => {
    for (const graph of graphs.reverse()) await graph.close();
    const redis = new Redis(REDIS_URL);
    const keys = [...(await redis.keys(`${base.REDIS_PREFIX}*`)), ...(await redis.keys(`bull:${base.REDIS_PREFIX.replace(/:$/, '')}-*`))];
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const post = async (
    graph: RunningGraph,
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<GraphQLResponse> =>
    (
      await fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      })
    ).json() as never;

  it('a logout on one instance stops the token on another within seconds, and on an instance started after', async () => {
    const [a, b] = graphs as [RunningGraph, RunningGraph];
    const session = (await post(a, LOGIN, { input: { email: DEMO.mainUser.email, password: DEMO.password } })).data!.login as {
      accessToken: string;
      refreshToken: string;
    };
    expect((await post(b, ME, {}, session.accessToken)).data).toEqual({ me: { email: DEMO.mainUser.email } });
    // A stream on the other instance, live before the logout.
    const stream = webSocket('gateway WebSocket', b.url.replace(/^http/, 'ws'), session.accessToken, MARKS);
    const admin = (
      (await post(a, LOGIN, { input: { email: DEMO.adminUser.email, password: DEMO.password } })).data!.login as { accessToken: string }
    ).accessToken;
    await waitFor('a mark on the other instance’s stream', async () => {
      await post(a, `mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`, {}, admin);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return marksIn(stream) > 0;
    });

    const sent = performance.now();
    await post(a, `mutation($t: String!) { logout(input: { refreshToken: $t }) { revoked } }`, { t: session.refreshToken });
    await waitFor(
      'the other instance to refuse the token',
      async () => reasonOf(await post(b, ME, {}, session.accessToken)) === 'TOKEN_REVOKED',
    );
    figures['logout, other instance on Redis: HTTP'] = Math.round(performance.now() - sent);
    await waitFor('the other instance’s stream to end', () => stream.ended);
    figures['logout, other instance on Redis: gateway WebSocket'] = Math.round(stream.ended!.at - sent);
    expect(stream.ended).toMatchObject({ code: 4403 });
    expect(stream.ended!.reason).toMatch(/^TOKEN_REVOKED/);
    stream.dispose();

    // An instance that was not running when the session ended still knows it.
    const late = await startGraph(loadConfig({ ...config, SEED_DEMO_DATA: 'false' }));
    graphs.push(late);
    expect(reasonOf(await post(late, ME, {}, session.accessToken))).toBe('TOKEN_REVOKED');
  });
});
