import { randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type GraphQLResponse, type TestGraph } from './support/graph.js';
import { latestCode } from './support/outbox.js';
import { createTenant } from './support/tenants.js';

let graph: TestGraph;
let owner: string;
let admin: string;
const as =
  (token: string) =>
  (query: string, variables: Record<string, unknown> = {}) =>
    graph.request(query, variables, { token });
const errorOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions;

const CREATE = `mutation($input: CreateDeviceModeInput!) { createDeviceMode(input: $input) { id account { id } } }`;
const UPDATE = `mutation($input: UpdateDeviceModeInput!) { updateDeviceMode(input: $input) { id name } }`;
const ASSIGN = `mutation($input: AssignDeviceModeInput!) { assignDeviceMode(input: $input) { id mode { id } } }`;
const ACCOUNT_MODES = `{ me { account { deviceModes(first: 100) { totalCount nodes { id } } } } deviceModes(first: 100) { nodes { id } } }`;
const mode = (name: string) => ({ name, minFaces: 1, minScore: 0.6 });
const ids = (connection: { nodes: { id: string }[] }) => connection.nodes.map((node) => node.id);

beforeAll(async () => {
  graph = await startTestGraph();
  owner = await graph.login();
  admin = await graph.login(DEMO.adminUser.email);
});
afterAll(() => graph?.stop());

describe('device modes per account', () => {
  it("offers global modes to every account and an account's own modes to it alone", async () => {
    const other = await createTenant(graph, 'Other Modes Co');
    const global = (await as(admin)(CREATE, { input: mode('Global smile') })).data!.createDeviceMode;
    expect(global.account).toBeNull();
    const ours = (await as(owner)(CREATE, { input: mode('Our door') })).data!.createDeviceMode;
    expect(ours.account).toEqual({ id: DEMO.account.id });
    const theirs = (await as(other.token)(CREATE, { input: mode('Their gate') })).data!.createDeviceMode;
    expect(theirs.account).toEqual({ id: other.account.id });

    const ownerView = (await as(owner)(ACCOUNT_MODES)).data!;
    expect(ids(ownerView.me.account.deviceModes)).toEqual(expect.arrayContaining([global.id, ours.id]));
    expect(ids(ownerView.me.account.deviceModes)).not.toContain(theirs.id);
    expect(ownerView.me.account.deviceModes.totalCount).toBe(ownerView.me.account.deviceModes.nodes.length);
    expect(ids(ownerView.deviceModes).sort()).toEqual(ids(ownerView.me.account.deviceModes).sort());
    const otherView = (await as(other.token)(ACCOUNT_MODES)).data!;
    expect(ids(otherView.me.account.deviceModes)).toEqual(expect.arrayContaining([global.id, theirs.id]));
    expect(ids(otherView.me.account.deviceModes)).not.toContain(ours.id);
    expect((await as(other.token)(`query($id: ID!) { deviceMode(id: $id) { id } }`, { id: ours.id })).data!.deviceMode).toBeNull();

    // A device uses a global mode or its account's own, never another account's.
    expect((await as(owner)(ASSIGN, { input: { deviceId: DEMO.device.id, modeId: ours.id } })).data!.assignDeviceMode.mode).toEqual({
      id: ours.id,
    });
    expect((await as(owner)(ASSIGN, { input: { deviceId: DEMO.device.id, modeId: global.id } })).data!.assignDeviceMode.mode).toEqual({
      id: global.id,
    });
    expect(errorOf(await as(owner)(ASSIGN, { input: { deviceId: DEMO.device.id, modeId: theirs.id } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.modeId',
    });

    // A main user changes their account's own modes only; service admins change any.
    expect((await as(owner)(UPDATE, { input: { id: ours.id, name: 'Our front door' } })).data!.updateDeviceMode.name).toBe(
      'Our front door',
    );
    expect(errorOf(await as(owner)(UPDATE, { input: { id: global.id, name: 'Mine now' } }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await as(owner)(UPDATE, { input: { id: theirs.id, name: 'Mine now' } }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await as(owner)(`mutation($id: ID!) { deleteDeviceMode(input: { id: $id }) { id } }`, { id: theirs.id }))).toMatchObject(
      { code: 'NOT_FOUND' },
    );
    expect((await as(admin)(UPDATE, { input: { id: theirs.id, name: 'Their main gate' } })).data!.updateDeviceMode.name).toBe(
      'Their main gate',
    );

    // Members use modes but do not make them.
    const email = `member-${randomBytes(4).toString('hex')}@example.test`;
    await as(owner)(`mutation($e: String!) { addMember(input: { email: $e }) { id } }`, { e: email });
    await graph.request(`mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { user { id } } }`, {
      input: { email, code: await latestCode(graph, email), newPassword: 'member-modes-password-771' },
    });
    const member = await graph.login(email, 'member-modes-password-771');
    expect(errorOf(await as(member)(CREATE, { input: mode('Member mode') }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(ids((await as(member)(ACCOUNT_MODES)).data!.me.account.deviceModes)).toContain(ours.id);
  });
});
