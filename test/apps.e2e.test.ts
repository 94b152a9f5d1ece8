import { randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type GraphQLResponse, type TestGraph } from './support/graph.js';
import { latestCode } from './support/outbox.js';

let graph: TestGraph;
let owner: string;
let admin: string;
const as =
  (token: string) =>
  (query: string, variables: Record<string, unknown> = {}) =>
    graph.request(query, variables, { token });
const errorOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions;
const PASSWORD = 'linked-account-chooses-this-551';

const ADD = `mutation($input: AddAccountToAppInput!) { addAccountToApp(input: $input) { account { id } } }`;
const REMOVE = `mutation($input: RemoveAccountFromAppInput!) { removeAccountFromApp(input: $input) { appId removedAccountId } }`;
const LINKS = `query($id: ID!) { app(id: $id) { accounts { totalCount nodes { id name } } } }`;
const MINE = `query($app: ID!) { accountOfApp(appId: $app) { id } me { account { apps { totalCount nodes { id } } } } }`;

/** A customer account added to the demo app by a service admin, activated, its main user signed in. */
async function addLinkedAccount(name: string) {
  const email = `linked-${randomBytes(4).toString('hex')}@example.test`;
  const added = await as(admin)(ADD, { input: { appId: DEMO.app.id, accountName: name, email } });
  expect(added.errors).toBeUndefined();
  const accountId = added.data!.addAccountToApp.account.id as string;
  await graph.request(`mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { user { id } } }`, {
    input: { email, code: await latestCode(graph, email), newPassword: PASSWORD },
  });
  await as(admin)(`mutation($id: ID!) { setAccountStatus(input: { accountId: $id, active: true }) { active } }`, { id: accountId });
  return { accountId, token: await graph.login(email, PASSWORD) };
}

beforeAll(async () => {
  graph = await startTestGraph();
  owner = await graph.login();
  admin = await graph.login(DEMO.adminUser.email);
});
afterAll(() => graph?.stop());

describe('accounts linked to an app', () => {
  it("shows an app's profiles to the accounts linked to it, and stops once the link is removed", async () => {
    const linked = await addLinkedAccount('Profiles Co');
    const PROFILES = `query($app: ID!) { profiles(appId: $app, first: 1) { totalCount } }`;
    await graph.bus.drain();
    const read = await as(linked.token)(PROFILES, { app: DEMO.app.id });
    expect(read.errors).toBeUndefined();
    expect(read.data!.profiles.totalCount).toBe(0);
    await as(admin)(REMOVE, { input: { appId: DEMO.app.id, accountId: linked.accountId } });
    await graph.bus.drain();
    expect(errorOf(await as(linked.token)(PROFILES, { app: DEMO.app.id }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('shows a link made by addAccountToApp in App.accounts, Account.apps and accountOfApp, and removes it', async () => {
    const linked = await addLinkedAccount('Linked Co');

    const asAdmin = await as(admin)(LINKS, { id: DEMO.app.id });
    expect(asAdmin.data!.app.accounts.nodes).toContainEqual({ id: linked.accountId, name: 'Linked Co' });
    const asOwner = await as(owner)(LINKS, { id: DEMO.app.id });
    expect(asOwner.data!.app.accounts.nodes).toEqual(asAdmin.data!.app.accounts.nodes);
    expect(asOwner.data!.app.accounts.totalCount).toBe(asAdmin.data!.app.accounts.nodes.length);

    const mine = await as(linked.token)(MINE, { app: DEMO.app.id });
    expect(mine.errors).toBeUndefined();
    expect(mine.data).toEqual({
      accountOfApp: { id: linked.accountId },
      me: { account: { apps: { totalCount: 1, nodes: [{ id: DEMO.app.id }] } } },
    });
    // The owner still reads its own account for its app; a service admin reads the owner.
    expect((await as(owner)(MINE, { app: DEMO.app.id })).data!.accountOfApp).toEqual({ id: DEMO.account.id });
    expect((await as(admin)(`{ accountOfApp(appId: "${DEMO.app.id}") { id } }`)).data!.accountOfApp).toEqual({ id: DEMO.account.id });
    // The linked account does not own the app: its links, keys and redirect URIs are not its business.
    const ownerOnly = await as(linked.token)(`{ me { account { apps { nodes { id apiKeys { totalCount } } } } } }`);
    expect(ownerOnly.errors?.[0]).toMatchObject({
      path: ['me', 'account', 'apps', 'nodes', 0, 'apiKeys'],
      extensions: { code: 'FORBIDDEN' },
    });
    const uris = await as(linked.token)(`{ me { account { apps { nodes { id redirectUris } } } } }`);
    expect(uris.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect((await as(linked.token)(LINKS, { id: DEMO.app.id })).data!.app).toBeNull();

    // Removal has adding's role rule: service admins only.
    expect(errorOf(await as(owner)(REMOVE, { input: { appId: DEMO.app.id, accountId: linked.accountId } }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    const removed = await as(admin)(REMOVE, { input: { appId: DEMO.app.id, accountId: linked.accountId } });
    expect(removed.data!.removeAccountFromApp).toEqual({ appId: DEMO.app.id, removedAccountId: linked.accountId });
    expect(errorOf(await as(admin)(REMOVE, { input: { appId: DEMO.app.id, accountId: linked.accountId } }))).toMatchObject({
      code: 'NOT_FOUND',
      field: 'input.accountId',
    });
    expect(errorOf(await as(admin)(REMOVE, { input: { appId: 'no-such-app', accountId: linked.accountId } }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    // The owner is no link.
    expect(errorOf(await as(admin)(REMOVE, { input: { appId: DEMO.app.id, accountId: DEMO.account.id } }))).toMatchObject({
      code: 'NOT_FOUND',
    });

    expect((await as(linked.token)(MINE, { app: DEMO.app.id })).data).toEqual({
      accountOfApp: null,
      me: { account: { apps: { totalCount: 0, nodes: [] } } },
    });
    expect((await as(admin)(LINKS, { id: DEMO.app.id })).data!.app.accounts.nodes).not.toContainEqual(
      expect.objectContaining({ id: linked.accountId }),
    );
  });
});

describe('app ids as the document writes them', () => {
  it('registers `MyApp` as written, refuses the same id in another case, and serves the profiles examples with it', async () => {
    const REGISTER_APP = `mutation($input: RegisterAppInput!) { registerApp(input: $input) { app { id } } }`;
    const registered = await as(owner)(REGISTER_APP, { input: { id: 'MyApp', name: 'My App', platform: 'ANDROID', kind: 'TRIAL' } });
    expect(registered.errors).toBeUndefined();
    expect(registered.data!.registerApp.app).toEqual({ id: 'MyApp' });
    const clash = await as(owner)(REGISTER_APP, { input: { id: 'myapp', name: 'Clash', platform: 'IOS', kind: 'TRIAL' } });
    expect(errorOf(clash)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
    expect(clash.errors![0]!.message).toContain('"MyApp"');
    expect(
      errorOf(await as(owner)(REGISTER_APP, { input: { id: 'My App', name: 'Spaced', platform: 'IOS', kind: 'TRIAL' } })),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });

    // The profiles document's own request bodies, with its app id.
    const key = await createApiKey(graph, owner, 'MyApp', ['PROFILES_READ', 'PROFILES_WRITE']);
    const base = graph.url.replace(/\/graphql$/, '');
    const call = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', api_key: key },
        body: JSON.stringify(body),
      });
    expect((await call('/v1/users/post-profile', { appID: 'MyApp', deviceID: 'deviceID1', gender: 'female' })).status).toBe(201);
    const read = await call('/v1/users/profiles-by-device-ids', { deviceIDs: ['deviceID1', 'deviceID2', 'deviceID3'], appID: 'MyApp' });
    expect(read.status).toBe(200);
    expect(JSON.stringify(await read.json())).toContain('deviceID1');
    const all = await call('/v1/users/profiles-by-device-ids', { deviceIDs: '*', appID: 'MyApp' });
    expect(JSON.stringify(await all.json())).toContain('deviceID1');
  });
});
