import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { createTenant } from './support/tenants.js';

let graph: TestGraph;
let token: string;

beforeAll(async () => {
  graph = await startTestGraph();
  token = await graph.login();
});
afterAll(async () => {
  await graph?.stop();
});

describe('the composed graph', () => {
  it('answers one query with fields from all four subgraphs', async () => {
    const result = await graph.request(
      `{
        me {
          email
          role
          account {
            name
            users { totalCount nodes { email } }
            apps { nodes { id name profiles(first: 10) { totalCount nodes { deviceId gender age country { code name } } } } }
            devices { nodes { id name group { name } actions { nodes { kind device { name } } } } }
          }
        }
      }`,
      {},
      { token },
    );
    expect(result.errors).toBeUndefined();
    const me = result.data!.me;
    expect(me.email).toBe(DEMO.mainUser.email);
    expect(me.role).toBe('MAIN');
    expect(me.account.name).toBe(DEMO.account.name);
    expect(me.account.users).toEqual({ totalCount: 1, nodes: [{ email: DEMO.mainUser.email }] });
    const [app] = me.account.apps.nodes;
    expect(app.id).toBe(DEMO.app.id);
    expect(app.profiles.totalCount).toBe(3);
    expect(app.profiles.nodes[0]).toEqual({
      deviceId: 'c1c9a326-4ae8-4a55-aa0b-434f62a126a7',
      gender: 'MALE',
      age: 'UNDER_25',
      country: { code: 'KR', name: 'South Korea' },
    });
    expect(me.account.devices.nodes).toEqual([
      {
        id: DEMO.device.id,
        name: DEMO.device.name,
        group: { name: DEMO.deviceGroup.name },
        actions: { nodes: [{ kind: 'DEVICE_ADDED', device: { name: DEMO.device.name } }] },
      },
    ]);
  });

  it('carries an event from one subgraph to another: a new device starts its activity log', async () => {
    const added = await graph.request(
      `mutation($input: AddDeviceInput!) { addDevice(input: $input) { id name group { id } } }`,
      { input: { name: '  Back door  ', groupId: DEMO.deviceGroup.id } },
      { token },
    );
    expect(added.errors).toBeUndefined();
    expect(added.data!.addDevice).toMatchObject({ name: 'Back door', group: { id: DEMO.deviceGroup.id } });
    await graph.bus.drain();
    const log = await graph.request(
      `query($id: ID!) { device(id: $id) { actions { nodes { kind } } } }`,
      { id: added.data!.addDevice.id },
      { token },
    );
    expect(log.data!.device.actions.nodes).toEqual([{ kind: 'DEVICE_ADDED' }]);
  });
});

describe('bad input', () => {
  it('names the field and writes nothing when a mutation argument is invalid', async () => {
    const before = await graph.database.prisma.device.count();
    const result = await graph.request(`mutation { addDevice(input: { name: "", groupId: "not-a-uuid" }) { id } }`, {}, { token });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect(result.errors?.[0]?.message).toMatch(/input\.name: must not be empty/);
    expect(await graph.database.prisma.device.count()).toBe(before);
  });

  it('refuses a device group of another account', async () => {
    const other = await createTenant(graph, 'Group Owner');
    const group = await graph.database.prisma.deviceGroup.create({ data: { accountId: other.account.id, name: 'Theirs' } });
    const result = await graph.request(
      `mutation($input: AddDeviceInput!) { addDevice(input: $input) { id } }`,
      { input: { name: 'Sneaky', groupId: group.id } },
      { token },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.groupId' });
    expect(await graph.database.prisma.device.count({ where: { groupId: group.id } })).toBe(0);
  });

  it('refuses a malformed access token, saying what is wrong', async () => {
    const result = await graph.request(`{ me { email } }`, {}, { token: 'not-a-token' });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0]?.message).toMatch(/not valid/);
  });

  it('answers an operation name the document does not hold with 400, naming the ones it does', async () => {
    const send = (body: object) =>
      fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const unknown = await send({ query: 'query Me { me { id } }', operationName: 'Mine' });
    expect(unknown.status).toBe(400);
    const unknownBody = (await unknown.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(unknownBody.errors[0]).toMatchObject({ extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
    expect(unknownBody.errors[0]!.message).toMatch(/"Mine".*"Me"/);

    const unnamed = await send({ query: 'query A { me { id } } query B { me { email } }' });
    expect(unnamed.status).toBe(400);
    const unnamedBody = (await unnamed.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(unnamedBody.errors[0]!.extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(unnamedBody.errors[0]!.message).toMatch(/operationName/);
  });
});

describe('authentication and tenancy', () => {
  it('gives an anonymous caller nothing but public fields', async () => {
    const result = await graph.request(`{ me { email } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data?.me ?? null).toBeNull();
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const query = 'mutation($input: LoginInput!) { login(input: $input) { accessToken } }';
    const wrong = await graph.request(query, { input: { email: DEMO.mainUser.email, password: 'wrong password' } });
    const unknown = await graph.request(query, { input: { email: 'nobody@iris.dev', password: 'wrong password' } });
    expect(wrong.errors?.[0]).toEqual(unknown.errors?.[0]);
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an expired token with a message that says so', async () => {
    const fresh = await graph.login();
    graph.clock.advance((graph.config.ACCESS_TOKEN_TTL_SECONDS + 1) * 1000);
    try {
      const result = await graph.request(`{ me { email } }`, {}, { token: fresh });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.errors?.[0]?.message).toMatch(/expired/);
    } finally {
      graph.clock.advance(-(graph.config.ACCESS_TOKEN_TTL_SECONDS + 1) * 1000);
    }
  });

  it('gives a subgraph called directly without a token no data, entity lookups included', async () => {
    const entities = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Account { devices { totalCount } } } }`;
    const reps = [{ __typename: 'Account', id: DEMO.account.id }];
    const anonymous = await graph.request(entities, { reps }, { url: graph.subgraphs.devices.url });
    // Each reference is refused on its own: no entity comes back.
    expect(anonymous.data?._entities ?? [null]).toEqual([null]);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const signedIn = await graph.request(entities, { reps }, { url: graph.subgraphs.devices.url, token });
    expect(signedIn.data).toEqual({ _entities: [{ devices: { totalCount: expect.any(Number) } }] });
  });

  it("shows one tenant none of another tenant's rows", async () => {
    const other = await createTenant(graph);
    const asOther = (query: string, variables = {}) => graph.request(query, variables, { token: other.token });

    const account = await asOther(`query($id: ID!) { account(id: $id) { name } }`, { id: DEMO.account.id });
    expect(account.data?.account).toBeNull();
    const device = await asOther(`query($id: ID!) { device(id: $id) { name } }`, { id: DEMO.device.id });
    expect(device.data?.device).toBeNull();
    const group = await asOther(`query($id: ID!) { deviceGroup(id: $id) { name } }`, { id: DEMO.deviceGroup.id });
    expect(group.data?.deviceGroup).toBeNull();
    const app = await asOther(`query($id: ID!) { app(id: $id) { name } }`, { id: DEMO.app.id });
    expect(app.data?.app).toBeNull();
    const profile = await asOther(`{ profile(appId: "demo-app", deviceId: "c1c9a326-4ae8-4a55-aa0b-434f62a126a7") { gender } }`);
    expect(profile.data?.profile).toBeNull();

    // Reaching the demo account's lists through an entity reference is refused, not answered empty.
    const devices = await graph.request(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Account { devices { totalCount } } } }`,
      { reps: [{ __typename: 'Account', id: DEMO.account.id }] },
      { url: graph.subgraphs.devices.url, token: other.token },
    );
    expect(devices.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // And its own data is there.
    const mine = await asOther(`{ me { account { devices { nodes { name } } } } }`);
    expect(mine.data!.me.account.devices.nodes).toEqual([{ name: 'Other Co camera' }]);
  });

  it('keeps service-admin-only mutations from other roles', async () => {
    const other = await createTenant(graph, 'Members Inc');
    const member = await graph.database.prisma.user.update({ where: { id: other.user.id }, data: { role: 'MEMBER' } });
    const memberToken = await graph.login(member.email, other.password);
    const result = await graph.request(
      `mutation { createDeviceGroup(input: { name: "Members can't" }) { id } }`,
      {},
      { token: memberToken },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('health', () => {
  it('reports the process up and every subgraph ready', async () => {
    const base = graph.url.replace(/\/graphql$/, '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      subgraphs: { identity: 'ready', profiles: 'ready', devices: 'ready', analytics: 'ready' },
    });
  });
});
