import { randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PORTRAIT, startTopology, topologyServicesAnswer, type GatewayName, type Topology } from './support/topology.js';

/**
 * Iris as it is deployed: every service its own OS process (`pnpm start:<service>`) on one PostgreSQL
 * and one Redis: two gateways, identity, profiles, two devices, analytics and the analysis worker.
 * Gateway A reaches devices A, gateway B devices B; the rest is shared (test/support/topology.ts).
 * Through them: a capture becomes a mark delivered to a subscriber of the other gateway, an erasure
 * completes its receipt, rate limits hold across the gateways, and a subgraph and the worker killed
 * with SIGKILL under load lose no acknowledged write, and every event then arrives: the analysis the
 * killed worker was running is taken over by the restarted one, and the events pending for the killed
 * devices instance are taken over by the live consumers of its group.
 */
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const answering = await topologyServicesAnswer(POSTGRES_URL, REDIS_URL);
if (!answering.redis) console.warn(`No Redis answers at ${REDIS_URL}: the topology test is skipped.`);
if (!answering.postgres) console.warn(`No PostgreSQL answers at ${POSTGRES_URL}: the topology test is skipped.`);

/** Anonymous operations per client address per window, shared by both gateways through Redis. */
const ANONYMOUS_POINTS = 12;
const MARK = `id data { id } faceCount device { name account { name } } analysis { faces { expression { label } } }`;

let topology: Topology;
const clients: Client[] = [];
let token: string;
const url = (name: GatewayName) => topology.url(name);

async function post(gateway: GatewayName, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(url(gateway), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(60_000),
  });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}
const bearer = () => ({ authorization: `Bearer ${token}` });

/** A subscriber to marks on one gateway; `events` grows as they arrive. */
function subscribeToMarks(gateway: GatewayName) {
  const events: { data?: any; errors?: unknown[] }[] = [];
  const client = createClient({
    url: url(gateway).replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: bearer(),
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
  });
  clients.push(client);
  client.subscribe(
    { query: `subscription { deviceMarkCreated { ${MARK} } }` },
    { next: (value) => void events.push(value as never), error: (error) => void events.push({ errors: [error] }), complete: () => {} },
  );
  const marksOf = (captureId: string) => events.filter((event) => event.data?.deviceMarkCreated?.data?.id === captureId);
  return { events, marksOf };
}

async function upload(gateway: GatewayName): Promise<string | undefined> {
  const result = await post(
    gateway,
    `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
    { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
    bearer(),
  ).catch(() => undefined);
  return result?.data?.uploadCapture?.id;
}

/**
 * Uploads through `gateway` until `subscriber` sees a mark for one of them: the subscription is
 * open end to end from then on (nothing tells a client when the gateway's upstream subscription is).
 */
async function untilDelivered(gateway: GatewayName, subscriber: ReturnType<typeof subscribeToMarks>) {
  const uploaded: string[] = [];
  let delivered: any;
  await vi.waitFor(
    async () => {
      delivered = subscriber.events.find((event) => uploaded.includes(event.data?.deviceMarkCreated?.data?.id));
      if (delivered) return;
      const id = await upload(gateway);
      if (id) uploaded.push(id);
      // Time for the analysis before the next capture: each upload is another analysis to run.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      throw new Error(`no mark yet for ${uploaded.length} captures; events: ${JSON.stringify(subscriber.events)}`);
    },
    { timeout: 240_000, interval: 100 },
  );
  return delivered as { data: any; errors?: unknown[] };
}

describe.skipIf(!answering.redis || !answering.postgres)('every service in its own process, on PostgreSQL and Redis', () => {
  beforeAll(async () => {
    topology = await startTopology({
      postgresUrl: POSTGRES_URL,
      redisUrl: REDIS_URL,
      env: { ANALYSIS_RETRY_BACKOFF_MS: '100', SUBGRAPH_BREAKER_RESET_MS: '1000' },
      envOf: Object.fromEntries(
        (['gatewayA', 'gatewayB'] as const).map((name) => [
          name,
          {
            // Client addresses from X-Forwarded-For, so the rate limit test has an address of its own.
            TRUST_PROXY: 'true',
            RATE_LIMIT_ANONYMOUS_POINTS: String(ANONYMOUS_POINTS),
            // A window no run outlasts, so the budget cannot refill while it is being spent.
            RATE_LIMIT_WINDOW_SECONDS: '3600',
          },
        ]),
      ),
    });
    const login = await post('gatewayA', 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
      i: { email: DEMO.mainUser.email, password: DEMO.password },
    });
    expect(login.errors, topology.logs()).toBeUndefined();
    token = login.data.login.accessToken;
  }, 900_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await topology?.close();
  }, 120_000);

  it('makes a capture through gateway A a mark delivered to a subscriber of gateway B, with fields from devices, identity and analytics', {
    timeout: 300_000,
  }, async () => {
    const subscriber = subscribeToMarks('gatewayB');
    const event = await untilDelivered('gatewayA', subscriber);
    expect(event.errors).toBeUndefined();
    expect(event.data.deviceMarkCreated).toMatchObject({
      faceCount: 1,
      device: { name: DEMO.device.name, account: { name: DEMO.account.name } },
      analysis: { faces: [{ expression: { label: 'HAPPY' } }] },
    });
  });

  it('completes an erasure receipt on the gateway that asked, with what profiles and analytics removed', { timeout: 300_000 }, async () => {
    const created = await post(
      'gatewayA',
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }',
      { i: { appId: DEMO.app.id, name: 'topology', scopes: ['PROFILES_WRITE', 'USERDATA_DELETE'] } },
      bearer(),
    );
    expect(created.errors).toBeUndefined();
    const key = { api_key: created.data.createApiKey.secret };
    const deviceId = `phone-${randomBytes(5).toString('hex')}`;
    const posted = await post(
      'gatewayA',
      'mutation($i: PostProfileInput!) { postProfile(input: $i) { deviceId } }',
      { i: { appId: DEMO.app.id, deviceId, gender: 'MALE', country: 'KR' } },
      key,
    );
    expect(posted.errors).toBeUndefined();
    // Analytics learns of the profile from profiles' event, in its own process.
    const audience = async () =>
      Number((await topology.sql.query('SELECT count(*) FROM analytics."AudienceMember" WHERE "deviceId" = $1', [deviceId])).rows[0].count);
    await vi.waitFor(async () => expect(await audience()).toBe(1), { timeout: 120_000, interval: 250 });

    const RECEIPT = 'id complete parts { subgraph completedAt removed { kind count } }';
    const erased = await post(
      'gatewayB',
      `mutation($i: DeleteUserDataByAppInput!) { deleteUserDataByApp(input: $i) { ${RECEIPT} } }`,
      { i: { deviceId, appId: DEMO.app.id } },
      key,
    );
    expect(erased.errors).toBeUndefined();
    let receipt = erased.data.deleteUserDataByApp;
    // The answer waits a few seconds for every subgraph's report; a busy machine may need a reread.
    await vi.waitFor(
      async () => {
        if (!receipt.complete)
          receipt = (await post('gatewayB', `query($id: ID!) { erasureReceipt(id: $id) { ${RECEIPT} } }`, { id: receipt.id }, key)).data
            .erasureReceipt;
        expect(receipt.complete).toBe(true);
      },
      { timeout: 120_000, interval: 500 },
    );
    expect(receipt.parts).toEqual([
      { subgraph: 'profiles', completedAt: expect.any(String), removed: [{ kind: 'profile', count: 1 }] },
      { subgraph: 'analytics', completedAt: expect.any(String), removed: [{ kind: 'audienceMember', count: 1 }] },
    ]);
    expect(await audience()).toBe(0);
  });

  it('holds one anonymous rate limit across both gateways, counted in Redis', { timeout: 120_000 }, async () => {
    const client = { 'x-forwarded-for': `198.51.100.${1 + (randomBytes(1)[0]! % 250)}` };
    const results = [];
    // Alternating, twice the budget: each gateway alone would admit all of its own.
    for (let i = 0; i < 2 * ANONYMOUS_POINTS; i++)
      results.push(await post(i % 2 === 0 ? 'gatewayA' : 'gatewayB', '{ __typename }', {}, client));
    const admitted = results.filter((result) => result.errors === undefined);
    const refused = results.filter((result) => result.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(admitted).toHaveLength(ANONYMOUS_POINTS);
    expect(refused).toHaveLength(ANONYMOUS_POINTS);
    // Both gateways refuse once the shared budget is spent.
    expect(results.slice(-2).every((result) => result.errors?.[0]?.extensions?.code === 'RATE_LIMITED')).toBe(true);
  });

  // What the SIGKILL test acknowledged, and the subscriber that watched it, for the test of its events.
  const killed = { captures: [] as string[], subscriber: undefined as ReturnType<typeof subscribeToMarks> | undefined };

  it('loses no acknowledged write when devices B and the worker are killed with SIGKILL under load and started again', {
    timeout: 600_000,
  }, async () => {
    const subscriber = subscribeToMarks('gatewayA');
    killed.subscriber = subscriber;
    await untilDelivered('gatewayA', subscriber);

    const captures = killed.captures;
    const profiles: string[] = [];
    const created = await post(
      'gatewayA',
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }',
      { i: { appId: DEMO.app.id, name: 'topology load', scopes: ['PROFILES_READ', 'PROFILES_WRITE'] } },
      bearer(),
    );
    const key = { api_key: created.data.createApiKey.secret };
    let loading = true;
    // Writes through both gateways, one after another on each; only those answered count as acknowledged.
    const load = (gateway: GatewayName) =>
      (async () => {
        while (loading) {
          const id = await upload(gateway);
          if (id) captures.push(id);
          const deviceId = `phone-${randomBytes(5).toString('hex')}`;
          const posted = await post(
            gateway,
            'mutation($i: PostProfileInput!) { postProfile(input: $i) { deviceId } }',
            { i: { appId: DEMO.app.id, deviceId, pets: ['DOG'] } },
            key,
          ).catch(() => undefined);
          if (posted?.data?.postProfile) profiles.push(deviceId);
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      })();
    const loads = [load('gatewayA'), load('gatewayB')];

    await vi.waitFor(() => expect(captures.length).toBeGreaterThanOrEqual(3), { timeout: 120_000, interval: 100 });
    await Promise.all([topology.running.devicesB!.stop('SIGKILL'), topology.running.worker!.stop('SIGKILL')]);
    const acknowledgedWhileDown = captures.length;
    await Promise.all([topology.start('devicesB'), topology.start('worker')]);
    await Promise.all([topology.ready('worker'), topology.ready('gatewayB')]);
    // Load goes on through both gateways once devices B is back.
    await vi.waitFor(() => expect(captures.length).toBeGreaterThanOrEqual(acknowledgedWhileDown + 4), { timeout: 180_000, interval: 100 });
    loading = false;
    await Promise.all(loads);

    // Every acknowledged write is there, read through either gateway.
    for (const [index, id] of captures.entries()) {
      const read = await post(
        index % 2 === 0 ? 'gatewayA' : 'gatewayB',
        'query($id: ID!) { deviceData(id: $id) { id } }',
        { id },
        bearer(),
      );
      expect(read.data?.deviceData?.id, `capture ${id}: ${JSON.stringify(read)}`).toBe(id);
    }
    for (const deviceId of profiles) {
      const read = await post(
        'gatewayA',
        'query($a: ID!, $d: ID!) { profile(appId: $a, deviceId: $d) { pets } }',
        { a: DEMO.app.id, d: deviceId },
        key,
      );
      expect(read.data?.profile, `profile ${deviceId}: ${JSON.stringify(read)}`).toEqual({ pets: ['DOG'] });
    }
  });

  // A worker killed mid-analysis leaves its job RUNNING: BullMQ hands the stalled job to the restarted
  // worker (once its lock lapses, ~30 s), which takes it over. Events read by the killed devices B and
  // not acknowledged are reclaimed by a live consumer once idle 30 s.
  it('delivers one mark for every capture acknowledged around the SIGKILL', { timeout: 600_000 }, async () => {
    const { captures, subscriber } = killed as { captures: string[]; subscriber: ReturnType<typeof subscribeToMarks> };
    expect(captures.length).toBeGreaterThan(0);
    // Every event arrives: each capture's analysis ends in one mark, delivered to the subscriber.
    await vi.waitFor(
      async () => {
        const missing = captures.filter((id) => subscriber.marksOf(id).length === 0);
        if (missing.length === 0) return;
        // Where each missing one stopped: its analysis, and whether its mark was made but not delivered.
        const states = await Promise.all(
          missing.map(async (id) => {
            const read = await post(
              'gatewayA',
              'query($id: ID!) { deviceData(id: $id) { analysisStatus analysisJob { status attempts } } }',
              { id },
              bearer(),
            ).catch((err) => String(err));
            const marks = await topology.sql.query('SELECT count(*) FROM devices."DeviceMark" WHERE "dataId" = $1', [id]).then(
              (r) => r.rows[0].count,
              (err) => String(err),
            );
            return `${id}: ${JSON.stringify(read)}, marks in the database: ${marks}`;
          }),
        );
        throw new Error(
          `${missing.length} of ${captures.length} captures without a mark delivered:\n${states.join('\n')}\n${topology.logs()}`,
        );
      },
      { timeout: 300_000, interval: 2_000 },
    );
    for (const id of captures) expect(new Set(subscriber.marksOf(id).map((event) => event.data.deviceMarkCreated.id)).size, id).toBe(1);
    expect(subscriber.events.filter((event) => event.errors)).toEqual([]);
  });
});
