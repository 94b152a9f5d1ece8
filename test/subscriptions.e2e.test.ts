import { readFileSync } from 'node:fs';
import { DEMO, type InProcessEventBus } from '@iris/core';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gatewayExecutorFromEnv } from '../gateway/src/engine/gateway.js';
import { PlanEngine } from '../gateway/src/engine/plan.js';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { createTenant } from './support/tenants.js';

const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
let graph: TestGraph;
let owner: string;
const clients: Client[] = [];

const wsUrl = () => graph.url.replace(/^http/, 'ws');
function connect(connectionParams: Record<string, unknown>, onClose?: (code: number) => void): Client {
  const client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (e) => onClose?.((e as { code: number }).code) },
  });
  clients.push(client);
  return client;
}

/** Collects a subscription's events until `count` arrived or `ms` passed. */
function collect<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }[] = [];
  let notify = () => {};
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        events.push(value as never);
        notify();
      },
      error: (errors) => {
        events.push({ errors: (Array.isArray(errors) ? errors : [errors]) as never });
        notify();
      },
      complete: () => notify(),
    },
  );
  const until = (count: number, ms = 15_000) =>
    new Promise<typeof events>((resolve) => {
      const timer = setTimeout(() => resolve(events), ms);
      notify = () => {
        if (events.length >= count) {
          clearTimeout(timer);
          resolve(events);
        }
      };
      notify();
    });
  return { events, until, dispose };
}

async function upload(token: string, deviceId = DEMO.device.id) {
  const result = await graph.request(
    `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
    { i: { deviceId, imageBase64: PORTRAIT } },
    { token },
  );
  return result.data!.uploadCapture.id as string;
}

const MARKS = `subscription($f: DeviceMarkSubscriptionFilter, $after: String) {
  deviceMarkCreated(filter: $f, after: $after) {
    id faceCount device { name account { name } } analysis { faces { score expression { label } } }
  } }`;

beforeAll(async () => {
  graph = await startTestGraph();
  owner = await graph.login();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(() => graph?.stop());

describe('deviceMarkCreated through the gateway', () => {
  it('delivers a mark made from a captured portrait, whole, with fields from devices, identity and analytics', async () => {
    const sub = collect(connect({ authorization: `Bearer ${owner}` }), MARKS, { f: { deviceId: DEMO.device.id } });
    await new Promise((r) => setTimeout(r, 200));
    // Each event's selection beyond the devices subgraph is resolved by the same engine as queries.
    const engineRuns = vi.spyOn(PlanEngine.prototype, 'execute');
    await upload(owner);
    const [event] = await sub.until(1);
    if (gatewayExecutorFromEnv() === 'iris')
      expect(
        engineRuns.mock.calls.some(
          ([compiled]) => 'operation' in compiled && /deviceMark\b/.test(String(compiled.definition.loc?.source.body)),
        ),
      ).toBe(true);
    engineRuns.mockRestore();
    expect(event?.errors).toBeUndefined();
    expect(event?.data?.deviceMarkCreated).toMatchObject({
      faceCount: 1,
      device: { name: DEMO.device.name, account: { name: DEMO.account.name } },
      analysis: { faces: [{ expression: { label: 'HAPPY' } }] },
    });
  });

  it('applies filters, and shows another account nothing', async () => {
    const other = await createTenant(graph, 'Watcher');
    const stranger = collect(connect({ authorization: `Bearer ${other.token}` }), MARKS);
    const elsewhere = collect(connect({ authorization: `Bearer ${owner}` }), MARKS, {
      f: { deviceId: '0190a000-0000-7000-8000-0000000009ff' },
    });
    const mine = collect(connect({ authorization: `Bearer ${owner}` }), MARKS, { f: { deviceGroupId: DEMO.deviceGroup.id } });
    await new Promise((r) => setTimeout(r, 200));
    await upload(owner);
    expect(await mine.until(1)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(stranger.events).toEqual([]);
    expect(elsewhere.events).toEqual([]);
  });

  it('gives subscribers asking the same thing one subscription at the devices subgraph, released as soon as the last one leaves', async () => {
    const bus = graph.bus as Partial<InProcessEventBus>;
    if (!bus.listenerCount) return; // Redis bus: the listeners are Redis subscriptions, counted elsewhere
    const listening = () => bus.listenerCount!('mark.created');
    const waitFor = async (expected: number) => {
      for (let i = 0; i < 100 && listening() !== expected; i++) await new Promise((r) => setTimeout(r, 20));
      return listening();
    };
    // The previous tests' subscribers are still being let go: start from a count that holds still.
    let before = listening();
    for (let steady = 0; steady < 10; ) {
      await new Promise((r) => setTimeout(r, 20));
      steady = listening() === before ? steady + 1 : 0;
      before = listening();
    }
    const tabs = Array.from({ length: 20 }, () =>
      collect(connect({ authorization: `Bearer ${owner}` }), MARKS, { f: { deviceGroupId: DEMO.deviceGroup.id } }),
    );
    expect(await waitFor(before + 1)).toBe(before + 1);
    // A second account's subscriber is its own subscription upstream: what it may see differs.
    const other = await createTenant(graph, 'Neighbour');
    const neighbour = collect(connect({ authorization: `Bearer ${other.token}` }), MARKS);
    expect(await waitFor(before + 2)).toBe(before + 2);

    await upload(owner);
    for (const tab of tabs) expect(await tab.until(1)).toHaveLength(1);
    const ids = new Set(tabs.map((tab) => tab.events[0]!.data!.deviceMarkCreated.id));
    expect(ids.size).toBe(1);

    // Leaving, with no event coming, releases the listeners now rather than at the next event.
    neighbour.dispose();
    for (const tab of tabs) tab.dispose();
    expect(await waitFor(before)).toBe(before);
  });

  it('answers a subscription that does not parse or validate with coded errors, and keeps the connection', async () => {
    const client = connect({ authorization: `Bearer ${owner}` });
    const unknownField = collect(client, 'subscription { deviceMarkCreated { id nope } }');
    const broken = collect(client, 'subscription { deviceMarkCreated { id ');
    const [validation] = await unknownField.until(1);
    expect(validation!.errors![0]).toMatchObject({
      message: expect.stringContaining('nope'),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const [syntax] = await broken.until(1);
    expect(syntax!.errors![0]).toMatchObject({
      message: expect.stringContaining('Syntax Error'),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    // The same connection still serves a good subscription.
    const good = collect(client, MARKS);
    await new Promise((r) => setTimeout(r, 200));
    await upload(owner);
    expect(await good.until(1)).toHaveLength(1);
  });

  it('delivers a selection the devices subgraph answers alone straight from it, to those who may see it only', async () => {
    const LOCAL = `subscription { live: deviceMarkCreated { id createdAt faceCount device { id name } } }`;
    const other = await createTenant(graph, 'Onlooker');
    const stranger = collect(connect({ authorization: `Bearer ${other.token}` }), LOCAL);
    const mine = collect(connect({ authorization: `Bearer ${owner}` }), LOCAL);
    await new Promise((r) => setTimeout(r, 200));
    await upload(owner);
    const [event] = await mine.until(1);
    expect(event!.errors).toBeUndefined();
    expect(event!.data!.live).toMatchObject({
      id: expect.any(String),
      faceCount: 1,
      device: { id: DEMO.device.id, name: expect.any(String) },
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(stranger.events).toEqual([]);
  });

  it('replays what was missed after a mark id, then goes on live, with no gap and no repeat', async () => {
    const first = collect(connect({ authorization: `Bearer ${owner}` }), MARKS);
    await new Promise((r) => setTimeout(r, 200));
    await upload(owner);
    const [seen] = await first.until(1);
    const lastId = seen!.data!.deviceMarkCreated.id as string;
    await first.dispose();

    // Offline: two more marks are made.
    for (let i = 0; i < 2; i++) {
      await graph.request(
        `mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`,
        {},
        { token: await graph.login(DEMO.adminUser.email) },
      );
    }
    const resumed = collect(connect({ authorization: `Bearer ${owner}` }), MARKS, { after: lastId });
    const replayed = await resumed.until(2);
    expect(replayed.map((e) => e.data?.deviceMarkCreated.id)).toHaveLength(2);
    await upload(owner);
    const all = await resumed.until(3);
    const ids = all.map((e) => e.data?.deviceMarkCreated.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain(lastId);
  });

  it('refuses an `after` that is not a mark the caller could have received, with BAD_USER_INPUT', async () => {
    const other = await createTenant(graph, 'Elsewhere');
    const theirs = await graph.request(
      `mutation { createDeviceMark(input: { deviceId: "${other.device.id}" }) { id } }`,
      {},
      { token: await graph.login(DEMO.adminUser.email) },
    );
    const theirMark = theirs.data!.createDeviceMark.id as string;
    const client = connect({ authorization: `Bearer ${owner}` });
    // Not an id; a well-formed id of no mark; another tenant's mark: the same refusal, nothing replayed.
    for (const after of ['not-a-uuid', '0190a000-0000-7000-8000-00000000ffff', theirMark]) {
      const [event] = await collect(client, MARKS, { after }).until(1);
      expect(event?.data).toBeUndefined();
      expect(event?.errors?.[0]).toMatchObject({
        message: '`after` must be the id of a mark you received.',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    // Their own mark is a good `after` for them.
    const resumed = collect(connect({ authorization: `Bearer ${other.token}` }), MARKS, { after: theirMark });
    await new Promise((r) => setTimeout(r, 500));
    expect(resumed.events).toEqual([]);
  });

  it("refuses a connection without credentials with the protocol's forbidden code", async () => {
    const code = await new Promise<number>((resolve) => {
      const client = connect({}, resolve);
      client.subscribe({ query: MARKS }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    expect(code).toBe(4403);
  });

  it("serves only subscriptions on a subgraph's own WebSocket, so its schema stays the gateway's", async () => {
    const client = createClient({
      url: graph.subgraphs.devices.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${owner}` },
      retryAttempts: 0,
    });
    clients.push(client);
    for (const query of ['{ _service { sdl } }', '{ __schema { types { name } } }']) {
      const [event] = await collect(client, query).until(1);
      expect(event?.data).toBeUndefined();
      expect(event?.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    }
    // A subscription on the same socket is still served.
    const marks = collect(client, 'subscription { deviceMarkCreated { id } }');
    await upload(owner);
    await graph.settle();
    expect((await marks.until(1, 30_000))[0]?.data).toMatchObject({ deviceMarkCreated: { id: expect.any(String) } });
  });

  it('ends the subscriptions of a connection when the token that authorised it expires', async () => {
    // A token issued so that it expires two seconds from now (the test clock sets the issue time).
    const shift = (graph.config.ACCESS_TOKEN_TTL_SECONDS - 2) * 1000;
    graph.clock.advance(-shift);
    const shortLived = await graph.login();
    graph.clock.advance(shift);
    const closed = new Promise<number>((resolve) => {
      const client = connect({ authorization: `Bearer ${shortLived}` }, resolve);
      client.subscribe({ query: MARKS }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    const code = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(0), 8_000))]);
    expect(code).toBe(4403);
  });

  it('pushes notifications and device status changes', async () => {
    const ws = connect({ authorization: `Bearer ${owner}` });
    const notes = collect(ws, `subscription { notificationReceived { type title device { name } } }`);
    const status = collect(ws, `subscription { deviceStatusChanged { name status account { name } } }`);
    await new Promise((r) => setTimeout(r, 200));
    await graph.request(`mutation { updateDevice(input: { id: "${DEMO.device.id}", status: ONLINE }) { status } }`, {}, { token: owner });
    const [change] = await status.until(1);
    expect(change?.data?.deviceStatusChanged).toEqual({ name: DEMO.device.name, status: 'ONLINE', account: { name: DEMO.account.name } });
    const [note] = await notes.until(1);
    expect(note?.data?.notificationReceived).toMatchObject({ type: 'DEVICE_STATUS_CHANGED', device: { name: DEMO.device.name } });
  });

  it('delivers the same events over Server-Sent Events for clients without WebSockets', async () => {
    const sse = createSseClient({
      url: graph.url.replace(/\/graphql$/, '/graphql/stream'),
      headers: { authorization: `Bearer ${owner}` },
      retryAttempts: 0,
    });
    const received: any[] = [];
    const done = new Promise<void>((resolve) => {
      const stop = sse.subscribe(
        { query: `subscription { deviceMarkCreated { faceCount device { name account { name } } } }` },
        {
          next: (value) => {
            received.push(value);
            stop();
            resolve();
          },
          error: () => resolve(),
          complete: () => resolve(),
        },
      );
    });
    await new Promise((r) => setTimeout(r, 300));
    await graph.request(
      `mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`,
      {},
      { token: await graph.login(DEMO.adminUser.email) },
    );
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    sse.dispose();
    expect(received[0]?.data?.deviceMarkCreated).toEqual({
      faceCount: 0,
      device: { name: DEMO.device.name, account: { name: DEMO.account.name } },
    });

    const anonymous = await fetch(graph.url.replace(/\/graphql$/, '/graphql/stream'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { notificationReceived { id } }' }),
    });
    expect(await anonymous.text()).toMatch(/UNAUTHENTICATED|Sign in first/);
  });
});
