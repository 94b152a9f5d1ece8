import { randomBytes, randomUUID } from 'node:crypto';
import { DEMO, signAccessToken } from '@iris/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type GraphQLResponse, type TestGraph } from './support/graph.js';
import { createApiKey } from './support/apiKeys.js';
import { createTenant } from './support/tenants.js';

let graph: TestGraph;
let owner: string;
const as =
  (token: string) =>
  (query: string, variables: Record<string, unknown> = {}) =>
    graph.request(query, variables, { token });
const errorOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions;

const SHARE_DEVICE = `mutation($input: ShareDeviceInput!) { shareDevice(input: $input) { id sharedWith { id email } } }`;
const UNSHARE_DEVICE = `mutation($input: ShareDeviceInput!) { unshareDevice(input: $input) { id } }`;
const SHARE_GROUP = `mutation($input: ShareDeviceGroupInput!) { shareDeviceGroup(input: $input) { id sharedWith { id email } } }`;
/** Every `sharedWith`-style list the owner can reach, each asking only for fields that are never null. */
const EVERY_SHARED_WITH = `{
  device(id: "${DEMO.device.id}") { id sharedWith { id email } }
  deviceGroup(id: "${DEMO.deviceGroup.id}") { id sharedWith { id email } devices { nodes { id sharedWith { id email } } } }
  me { id account { id devices(first: 100) { nodes { id sharedWith { id email } } } deviceGroups(first: 100) { nodes { id sharedWith { id email } } } } }
}`;

/** The paths of every null in `data` (`['device', 'sharedWith', 0]`). */
function nullPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => nullPaths(item, [...path, i]));
  if (typeof value === 'object' && value) return Object.entries(value).flatMap(([key, item]) => nullPaths(item, [...path, key]));
  return [];
}

/**
 * The spec's rule: a null where a value was asked for comes with an error with a code at that path, below it
 * (a non-null child whose null went up), or above it (an entity that could not be read, its fields null).
 */
function expectNoSilentNulls(result: GraphQLResponse) {
  const nulls = result.data === null ? [[]] : nullPaths(result.data);
  const prefix = (outer: readonly (string | number)[], inner: readonly (string | number)[]) => outer.every((key, i) => inner[i] === key);
  for (const path of nulls) {
    const explained = (result.errors ?? []).some(
      (error) => error.path && (prefix(path, error.path) || prefix(error.path, path)) && typeof error.extensions?.code === 'string',
    );
    expect(explained, `null at ${path.join('.')} without an error: ${JSON.stringify(result)}`).toBe(true);
  }
  expect((result as { extensions?: unknown }).extensions).toBeUndefined();
}

async function addMember(token: string) {
  const email = `viewer-${randomBytes(4).toString('hex')}@example.test`;
  const added = await as(token)(`mutation($e: String!) { addMember(input: { email: $e }) { id } }`, { e: email });
  expect(added.errors).toBeUndefined();
  // devices learns of the user from identity's event.
  await graph.bus.drain();
  return { id: added.data!.addMember.id as string, email };
}

const OIDC_ISSUER = 'https://id.example.test';
let oidcKeys: Awaited<ReturnType<typeof generateKeyPair>>;

beforeAll(async () => {
  oidcKeys = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(oidcKeys.publicKey)), kid: 'test-key', alg: 'RS256' };
  graph = await startTestGraph({ OIDC_PROVIDERS: JSON.stringify([{ issuer: OIDC_ISSUER, audience: 'iris-test', jwks: { keys: [jwk] } }]) });
  owner = await graph.login();
});
afterAll(() => graph?.stop());

describe('shares name an existing user', () => {
  it('refuses a user who does not exist, by id or by email, naming the argument', async () => {
    const unknownId = await as(owner)(SHARE_DEVICE, {
      input: { deviceId: DEMO.device.id, userId: '00000000-0000-7000-8000-00000000abcd' },
    });
    expect(errorOf(unknownId)).toMatchObject({ code: 'NOT_FOUND', field: 'input.userId' });
    expect(unknownId.errors![0]!.message).toContain('input.userId');
    const unknownEmail = await as(owner)(SHARE_GROUP, { input: { groupId: DEMO.deviceGroup.id, email: 'nobody@example.test' } });
    expect(errorOf(unknownEmail)).toMatchObject({ code: 'NOT_FOUND', field: 'input.email' });
    expect(errorOf(await as(owner)(SHARE_DEVICE, { input: { deviceId: DEMO.device.id } }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    const both = await as(owner)(SHARE_DEVICE, {
      input: { deviceId: DEMO.device.id, userId: DEMO.mainUser.id, email: DEMO.mainUser.email },
    });
    expect(errorOf(both)).toMatchObject({ code: 'BAD_USER_INPUT' });
    expectNoSilentNulls(await as(owner)(EVERY_SHARED_WITH));
  });

  it('shares with a user by id or by email, and lists them', async () => {
    const viewer = await addMember(owner);
    const byEmail = await as(owner)(SHARE_DEVICE, { input: { deviceId: DEMO.device.id, email: viewer.email.toUpperCase() } });
    expect(byEmail.errors).toBeUndefined();
    expect(byEmail.data!.shareDevice.sharedWith).toContainEqual({ id: viewer.id, email: viewer.email });
    const byId = await as(owner)(SHARE_GROUP, { input: { groupId: DEMO.deviceGroup.id, userId: viewer.id } });
    expect(byId.data!.shareDeviceGroup.sharedWith).toContainEqual({ id: viewer.id, email: viewer.email });
    await as(owner)(UNSHARE_DEVICE, { input: { deviceId: DEMO.device.id, email: viewer.email } });

    // A user whose account a first sign-in with an identity provider created can be shared with too.
    const email = `oidc-${randomBytes(4).toString('hex')}@example.test`;
    const now = Math.floor(graph.clock.now().getTime() / 1000);
    const idToken = await new SignJWT({ email, email_verified: true })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(OIDC_ISSUER)
      .setAudience('iris-test')
      .setSubject(`provider-${email}`)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(oidcKeys.privateKey);
    const signedIn = await graph.request(`mutation($t: String!) { loginWithIdToken(input: { idToken: $t }) { user { id } } }`, {
      t: idToken,
    });
    expect(signedIn.errors).toBeUndefined();
    await graph.bus.drain();
    const oidcShare = await as(owner)(`mutation($e: String!) { shareDevice(input: { deviceId: "${DEMO.device.id}", email: $e }) { id } }`, {
      e: email,
    });
    expect(oidcShare.errors).toBeUndefined();
    await as(owner)(UNSHARE_DEVICE, { input: { deviceId: DEMO.device.id, email } });
    expect((await as(owner)(`{ device(id: "${DEMO.device.id}") { sharedWith { id } } }`)).data!.device.sharedWith).not.toContainEqual({
      id: viewer.id,
    });
  });
});

describe('no silent nulls', () => {
  it('keeps every sharedWith list readable after shares with users since removed, and shares made before the check', async () => {
    const leaving = await addMember(owner);
    await as(owner)(SHARE_DEVICE, { input: { deviceId: DEMO.device.id, userId: leaving.id } });
    await as(owner)(SHARE_GROUP, { input: { groupId: DEMO.deviceGroup.id, userId: leaving.id } });
    // Shares written before shares were checked: a user who never existed.
    const ghost = randomUUID();
    await graph.database.prisma.deviceShare.create({ data: { deviceId: DEMO.device.id, userId: ghost } });
    await graph.database.prisma.deviceGroupShare.create({ data: { groupId: DEMO.deviceGroup.id, userId: ghost } });
    const removed = await as(owner)(`mutation($id: ID!) { removeMember(input: { userId: $id }) { removedUserId } }`, { id: leaving.id });
    expect(removed.errors).toBeUndefined();
    await graph.bus.drain();

    const read = await as(owner)(EVERY_SHARED_WITH);
    expectNoSilentNulls(read);
    expect(read.errors).toBeUndefined();
    expect(read.data!.device.sharedWith).not.toContainEqual(expect.objectContaining({ id: leaving.id }));
    expect(read.data!.device.sharedWith).not.toContainEqual(expect.objectContaining({ id: ghost }));
    // The removed member's shares went with them; the ghost's can still be taken away by id.
    expect(await graph.database.prisma.deviceShare.count({ where: { userId: leaving.id } })).toBe(0);
    expect((await as(owner)(UNSHARE_DEVICE, { input: { deviceId: DEMO.device.id, userId: ghost } })).errors).toBeUndefined();
  });

  it('answers the id and email of a user of another account, and their other fields as not found at their path', async () => {
    // A user of another account: identity does not let the owner read them, but devices knows whom it shared with.
    const other = await createTenant(graph, 'Unreadable Co');
    const shared = await as(owner)(SHARE_DEVICE, { input: { deviceId: DEMO.device.id, email: other.email } });
    expect(shared.errors).toBeUndefined();
    expect(shared.data!.shareDevice.sharedWith).toContainEqual({ id: other.user.id, email: other.email });
    const sharedGroup = await as(owner)(SHARE_GROUP, { input: { groupId: DEMO.deviceGroup.id, userId: other.user.id } });
    expect(sharedGroup.errors).toBeUndefined();
    expect(sharedGroup.data!.shareDeviceGroup.sharedWith).toContainEqual({ id: other.user.id, email: other.email });

    // Every list that names them reads back whole: the id and email, no errors.
    const read = await as(owner)(EVERY_SHARED_WITH);
    expectNoSilentNulls(read);
    expect(read.errors).toBeUndefined();
    expect(read.data!.device.sharedWith).toContainEqual({ id: other.user.id, email: other.email });
    expect(read.data!.deviceGroup.sharedWith).toContainEqual({ id: other.user.id, email: other.email });
    // Beside another field's error too.
    const withOtherError = await as(owner)(
      `{ device(id: "${DEMO.device.id}") { id sharedWith { id email } } other: deviceGroup(id: "${DEMO.deviceGroup.id}") { devices(first: -1) { totalCount } } }`,
    );
    expectNoSilentNulls(withOtherError);
    expect(withOtherError.data!.device.sharedWith).toContainEqual({ id: other.user.id, email: other.email });
    expect(withOtherError.errors).toEqual([
      expect.objectContaining({ path: ['other', 'devices'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);

    // Their other fields are identity's, which the owner may not read: a nullable one is null with NOT_FOUND at the
    // entity's path, the entry and its email still there.
    const withName = await as(owner)(`{ device(id: "${DEMO.device.id}") { id sharedWith { id email displayName } } }`);
    expectNoSilentNulls(withName);
    expect(withName.data!.device.sharedWith).toEqual([{ id: other.user.id, email: other.email, displayName: null }]);
    expect(withName.errors).toEqual([
      expect.objectContaining({
        path: ['device', 'sharedWith', 0],
        message: expect.stringContaining('device.sharedWith.0: this User could not be found'),
        extensions: expect.objectContaining({ code: 'NOT_FOUND' }),
      }),
    ]);
    // A non-null one nulls the entry (the list's entries are nullable), with NOT_FOUND at its path; the rest stands.
    const withRole = await as(owner)(`{ deviceGroup(id: "${DEMO.deviceGroup.id}") { id sharedWith { id email role } } }`);
    expectNoSilentNulls(withRole);
    expect(withRole.data!.deviceGroup.id).toBe(DEMO.deviceGroup.id);
    expect(withRole.data!.deviceGroup.sharedWith).toContainEqual(null);
    expect(withRole.data!.deviceGroup.sharedWith).not.toContainEqual(expect.objectContaining({ id: other.user.id }));
    expect(withRole.errors).toContainEqual(
      expect.objectContaining({
        path: ['deviceGroup', 'sharedWith', withRole.data!.deviceGroup.sharedWith.indexOf(null), 'role'],
        extensions: expect.objectContaining({ code: 'NOT_FOUND' }),
      }),
    );

    await as(owner)(UNSHARE_DEVICE, { input: { deviceId: DEMO.device.id, userId: other.user.id } });
    await as(owner)(`mutation($input: ShareDeviceGroupInput!) { unshareDeviceGroup(input: $input) { id } }`, {
      input: { groupId: DEMO.deviceGroup.id, userId: other.user.id },
    });
    expectNoSilentNulls(await as(owner)(EVERY_SHARED_WITH));
  });

  it('gives the email of whom a device is shared with to no caller that may not read users', async () => {
    const other = await createTenant(graph, 'Friend Co');
    expect((await as(owner)(SHARE_DEVICE, { input: { deviceId: DEMO.device.id, userId: other.user.id } })).errors).toBeUndefined();
    const query = `{ device(id: "${DEMO.device.id}") { id sharedWith { id email } } }`;
    const leaks = (result: GraphQLResponse) => JSON.stringify(result).includes(other.email);

    // An OAuth token with `devices:read` (granted by a main user) reads the device, not whom it is shared with.
    const { token: oauth } = await signAccessToken(graph.keys, graph.config, {
      kind: 'app',
      via: 'oauth',
      appId: DEMO.app.id,
      accountId: DEMO.account.id,
      scopes: ['devices:read'],
      userId: DEMO.mainUser.id,
      role: 'MAIN',
    });
    expect((await as(oauth)(`{ device(id: "${DEMO.device.id}") { id } }`)).data!.device).toEqual({ id: DEMO.device.id });
    const byToken = await as(oauth)(query);
    expect(errorOf(byToken)).toMatchObject({ code: 'FORBIDDEN' });
    expect(byToken.errors![0]!.path).toEqual(['device', 'sharedWith']);
    expect(leaks(byToken)).toBe(false);

    // An API key reads no device at all.
    const secret = await createApiKey(graph, owner, DEMO.app.id, ['PROFILES_READ', 'PROFILES_WRITE', 'USERDATA_DELETE']);
    const byKey = await graph.request(query, {}, { headers: { api_key: secret } });
    expect(errorOf(byKey)).toMatchObject({ code: 'FORBIDDEN' });
    expect(leaks(byKey)).toBe(false);

    // A member user sees the account's devices, not whom they are shared with.
    const member = await addMember(owner);
    const { token: memberToken } = await signAccessToken(graph.keys, graph.config, {
      kind: 'user',
      userId: member.id,
      accountId: DEMO.account.id,
      role: 'MEMBER',
    });
    const byMember = await as(memberToken)(query);
    expect(errorOf(byMember)).toMatchObject({ code: 'FORBIDDEN' });
    expect(leaks(byMember)).toBe(false);

    await as(owner)(UNSHARE_DEVICE, { input: { deviceId: DEMO.device.id, userId: other.user.id } });
  });
});
