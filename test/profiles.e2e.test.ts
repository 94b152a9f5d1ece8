import { createHash, randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { createTenant } from './support/tenants.js';

let graph: TestGraph;
let ownerToken: string;
let readKey: string;
let writeKey: string;
let deleteKey: string;
let allKey: string;

const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;
const phone = () => `phone-${randomBytes(5).toString('hex')}`;
const asKey =
  (key: string) =>
  (query: string, variables: Record<string, unknown> = {}) =>
    graph.request(query, variables, { headers: { api_key: key } });

const POST = `mutation($input: PostProfileInput!) { postProfile(input: $input) {
  appId deviceId appUserId gender maritalStatus parentalStatus age transportation pets sports
  country { code name } city holidayCountries { code } holidayCities lifeEvents scannedImageCount } }`;
const PAGE = `query($appId: ID!, $first: Int, $after: String, $last: Int, $before: String, $deviceIds: [ID!], $filter: ProfileFilter) {
  profiles(appId: $appId, first: $first, after: $after, last: $last, before: $before, deviceIds: $deviceIds, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { deviceId } } }`;

beforeAll(async () => {
  graph = await startTestGraph();
  ownerToken = await graph.login();
  readKey = await createApiKey(graph, ownerToken, DEMO.app.id, ['PROFILES_READ']);
  writeKey = await createApiKey(graph, ownerToken, DEMO.app.id, ['PROFILES_WRITE']);
  deleteKey = await createApiKey(graph, ownerToken, DEMO.app.id, ['USERDATA_DELETE']);
  allKey = await createApiKey(graph, ownerToken, DEMO.app.id, ['PROFILES_READ', 'PROFILES_WRITE', 'USERDATA_DELETE']);
});
afterAll(() => graph?.stop());

describe('posting profiles', () => {
  it('creates, then updates only the fields given, replacing lists', async () => {
    const deviceId = phone();
    const created = await asKey(writeKey)(POST, {
      input: {
        appId: DEMO.app.id,
        deviceId,
        gender: 'FEMALE',
        age: 'FROM_25_TO_35',
        pets: ['DOG'],
        sports: ['ACTIVE', 'VIEWER', 'ACTIVE'],
        country: 'IL',
        city: 'Haifa',
        holidayCountries: ['FR', 'IT'],
      },
    });
    expect(created.errors).toBeUndefined();
    expect(created.data!.postProfile).toMatchObject({
      gender: 'FEMALE',
      maritalStatus: 'UNKNOWN',
      parentalStatus: 'UNKNOWN',
      age: 'FROM_25_TO_35',
      sports: ['ACTIVE', 'VIEWER'],
      country: { code: 'IL', name: 'Israel' },
      holidayCountries: [{ code: 'FR' }, { code: 'IT' }],
      scannedImageCount: 0,
    });
    const updated = await asKey(writeKey)(POST, {
      input: { appId: DEMO.app.id, deviceId, maritalStatus: 'SINGLE', sports: ['VIEWER'], appUserId: 'user-42' },
    });
    expect(updated.data!.postProfile).toMatchObject({
      gender: 'FEMALE',
      maritalStatus: 'SINGLE',
      age: 'FROM_25_TO_35',
      pets: ['DOG'],
      sports: ['VIEWER'],
      city: 'Haifa',
      appUserId: 'user-42',
    });
    const byUser = await asKey(readKey)(`query($a: ID!) { profileByAppUserId(appId: $a, appUserId: "user-42") { deviceId } }`, {
      a: DEMO.app.id,
    });
    expect(byUser.data!.profileByAppUserId.deviceId).toBe(deviceId);
    const taken = await asKey(writeKey)(POST, { input: { appId: DEMO.app.id, deviceId: phone(), appUserId: 'user-42' } });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.appUserId' });
  });

  it('accepts exactly the listed values of each attribute', async () => {
    const schema = await graph.request(`{ __schema { types { name enumValues { name } } } }`, {}, { token: ownerToken });
    const values = (name: string) =>
      schema.data!.__schema.types.find((t: { name: string }) => t.name === name).enumValues.map((v: { name: string }) => v.name);
    expect(values('Gender')).toEqual(['MALE', 'FEMALE', 'UNKNOWN']);
    expect(values('MaritalStatus')).toEqual(['SINGLE', 'IN_A_RELATIONSHIP', 'UNKNOWN']);
    expect(values('ParentalStatus')).toEqual(['WITHOUT_CHILDREN', 'WITH_CHILDREN', 'UNKNOWN']);
    expect(values('AgeBand')).toEqual(['UNDER_25', 'FROM_25_TO_35', 'FROM_35_TO_45', 'FROM_45_TO_55', 'OVER_55', 'UNKNOWN']);
    expect(values('Transportation')).toEqual(['CAR']);
    expect(values('Pet')).toEqual(['DOG']);
    expect(values('SportsInterest')).toEqual(['ACTIVE', 'VIEWER']);
    expect(values('LifeEvent')).toEqual(['ABOUT_TO_HAVE_A_BABY', 'ABOUT_TO_MOVE_HOME', 'ABOUT_TO_TRAVEL']);

    const unknownEnum = await asKey(writeKey)(POST, { input: { appId: DEMO.app.id, deviceId: phone(), gender: 'OTHER' } });
    expect(codeOf(unknownEnum)).toBe('BAD_USER_INPUT');
    const badCountry = await asKey(writeKey)(POST, { input: { appId: DEMO.app.id, deviceId: phone(), country: 'Korea - South' } });
    expect(badCountry.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.country' });
    const badHoliday = await asKey(writeKey)(POST, { input: { appId: DEMO.app.id, deviceId: phone(), holidayCountries: ['FR', 'XX'] } });
    expect(badHoliday.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.holidayCountries.1' });
  });

  it('adds up scanned-image counts', async () => {
    const deviceId = phone();
    const RECORD = `mutation($input: RecordScannedImagesInput!) { recordScannedImages(input: $input) { scannedImageCount } }`;
    await asKey(writeKey)(RECORD, { input: { appId: DEMO.app.id, deviceId, count: 120 } });
    await asKey(writeKey)(RECORD, { input: { appId: DEMO.app.id, deviceId, count: 30 } });
    const count = await asKey(readKey)(`query($a: ID!, $d: ID!) { scannedImageCount(appId: $a, deviceId: $d) }`, {
      a: DEMO.app.id,
      d: deviceId,
    });
    expect(count.data!.scannedImageCount).toBe(150);
    expect(codeOf(await asKey(writeKey)(RECORD, { input: { appId: DEMO.app.id, deviceId, count: 0 } }))).toBe('BAD_USER_INPUT');
    const none = await asKey(readKey)(`query($a: ID!) { scannedImageCount(appId: $a, deviceId: "never-seen") }`, { a: DEMO.app.id });
    expect(none.data!.scannedImageCount).toBe(0);
  });
});

describe('reading profiles', () => {
  it('pages forward and backward, and keeps cursors valid across inserts between pages', async () => {
    const appKey = allKey;
    // A fresh app keeps this test's list to itself.
    const appId = `pager-${randomBytes(3).toString('hex')}`;
    await graph.request(
      `mutation($input: RegisterAppInput!) { registerApp(input: $input) { appKey } }`,
      { input: { id: appId, name: 'Pager', platform: 'IOS', kind: 'TRIAL' } },
      { token: ownerToken },
    );
    const key = await createApiKey(graph, ownerToken, appId, ['PROFILES_READ', 'PROFILES_WRITE']);
    const post = (deviceId: string) => asKey(key)(POST, { input: { appId, deviceId } });
    const ids = Array.from({ length: 7 }, (_, i) => `p${i}`);
    for (const id of ids) await post(id);

    const page1 = (await asKey(key)(PAGE, { appId, first: 3 })).data!.profiles;
    expect(page1.nodes.map((n: { deviceId: string }) => n.deviceId)).toEqual(['p0', 'p1', 'p2']);
    expect(page1).toMatchObject({ totalCount: 7, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    await post('p7'); // arrives between pages
    const page2 = (await asKey(key)(PAGE, { appId, first: 3, after: page1.pageInfo.endCursor })).data!.profiles;
    expect(page2.nodes.map((n: { deviceId: string }) => n.deviceId)).toEqual(['p3', 'p4', 'p5']);
    const page3 = (await asKey(key)(PAGE, { appId, first: 3, after: page2.pageInfo.endCursor })).data!.profiles;
    expect(page3.nodes.map((n: { deviceId: string }) => n.deviceId)).toEqual(['p6', 'p7']);
    expect(page3.pageInfo.hasNextPage).toBe(false);

    const back = (await asKey(key)(PAGE, { appId, last: 2, before: page3.pageInfo.startCursor })).data!.profiles;
    expect(back.nodes.map((n: { deviceId: string }) => n.deviceId)).toEqual(['p4', 'p5']);
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });

    const some = (await asKey(key)(PAGE, { appId, deviceIds: ['p1', 'p5', 'missing'] })).data!.profiles;
    expect(some.nodes.map((n: { deviceId: string }) => n.deviceId)).toEqual(['p1', 'p5']);
    expect(codeOf(await asKey(key)(PAGE, { appId, after: 'not-a-cursor' }))).toBe('BAD_USER_INPUT');
    const tooMany = await asKey(key)(PAGE, { appId, deviceIds: Array.from({ length: 1001 }, (_, i) => `d${i}`) });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'arguments.deviceIds' });
    expect(appKey).toBeTruthy();
  });

  it('filters on the enumerated attributes', async () => {
    const filtered = (await asKey(readKey)(PAGE, { appId: DEMO.app.id, filter: { gender: ['FEMALE'], country: ['IL'] } })).data!.profiles;
    expect(filtered.nodes.map((n: { deviceId: string }) => n.deviceId)).toContain('f533f730-1caa-42c1-9d6b-19214e692aa2');
    expect(filtered.nodes.map((n: { deviceId: string }) => n.deviceId)).not.toContain('c1c9a326-4ae8-4a55-aa0b-434f62a126a7');
    const events = (await asKey(readKey)(PAGE, { appId: DEMO.app.id, filter: { lifeEvents: ['ABOUT_TO_TRAVEL'] } })).data!.profiles;
    expect(events.nodes).toEqual([{ deviceId: 'f533f730-1caa-42c1-9d6b-19214e692aa2' }]);
  });

  it('serves App.profiles, App.profileCount and App.audience through the App entity', async () => {
    const result = await graph.request(
      `{ app(id: "demo-app") { name profileCount profiles(first: 1) { nodes { deviceId } } audience { total gender { value count } } } }`,
      {},
      { token: ownerToken },
    );
    expect(result.errors).toBeUndefined();
    const app = result.data!.app;
    expect(app.profileCount).toBeGreaterThanOrEqual(3);
    expect(app.profiles.nodes).toHaveLength(1);
    await graph.bus.drain();
    expect(app.audience.total).toBeGreaterThanOrEqual(3);
    expect(app.audience.gender).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'MALE' })]));
  });
});

describe('access', () => {
  it('holds API keys to their scopes and their app', async () => {
    expect(codeOf(await asKey(writeKey)(PAGE, { appId: DEMO.app.id }))).toBe('FORBIDDEN');
    expect(codeOf(await asKey(readKey)(POST, { input: { appId: DEMO.app.id, deviceId: phone() } }))).toBe('FORBIDDEN');
    expect(codeOf(await asKey(readKey)(`mutation { deleteUserDataByApp(input: { deviceId: "x", appId: "demo-app" }) { id } }`))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await asKey(allKey)(PAGE, { appId: 'some-other-app' }))).toBe('FORBIDDEN');
    expect(codeOf(await asKey(allKey)(POST, { input: { appId: 'some-other-app', deviceId: phone() } }))).toBe('FORBIDDEN');
  });

  it("names the credential sent when refusing another app's profiles: an API key or an app key", async () => {
    const apiKeyRefusal = await asKey(allKey)(PAGE, { appId: 'some-other-app' });
    expect(apiKeyRefusal.errors?.[0]).toMatchObject({
      message: `This API key belongs to app "${DEMO.app.id}", not "some-other-app".`,
      extensions: { code: 'FORBIDDEN' },
    });
    const appId = `keyed-${randomBytes(3).toString('hex')}`;
    const registered = await graph.request(
      `mutation($input: RegisterAppInput!) { registerApp(input: $input) { appKey } }`,
      { input: { id: appId, name: 'Keyed', platform: 'IOS', kind: 'TRIAL' } },
      { token: ownerToken },
    );
    const appKey = registered.data!.registerApp.appKey as string;
    const basic = `Basic ${Buffer.from(`${appId}:${appKey}`).toString('base64')}`;
    const credentials: Record<string, string>[] = [{ app_id: appId, app_key: appKey }, { authorization: basic }];
    for (const headers of credentials) {
      const refused = await graph.request(PAGE, { appId: DEMO.app.id }, { headers });
      expect(refused.errors?.[0]).toMatchObject({
        message: `This app key belongs to app "${appId}", not "${DEMO.app.id}".`,
        extensions: { code: 'FORBIDDEN' },
      });
    }
  });

  it('lets users of the owning account read, and shows another owner nothing', async () => {
    const own = await graph.request(PAGE, { appId: DEMO.app.id, first: 1 }, { token: ownerToken });
    expect(own.data!.profiles.totalCount).toBeGreaterThanOrEqual(3);
    const other = await createTenant(graph, 'Snoop');
    const theirs = await graph.request(PAGE, { appId: DEMO.app.id }, { token: other.token });
    expect(codeOf(theirs)).toBe('NOT_FOUND');
    const one = await graph.request(
      `{ profile(appId: "demo-app", deviceId: "c1c9a326-4ae8-4a55-aa0b-434f62a126a7") { gender } }`,
      {},
      { token: other.token },
    );
    expect(one.data!.profile).toBeNull();
    const users = await graph.request(
      `{ profile(appId: "demo-app", deviceId: "c1c9a326-4ae8-4a55-aa0b-434f62a126a7") { gender } }`,
      {},
      { token: ownerToken },
    );
    expect(users.data!.profile.gender).toBe('MALE');
    // Users do not post profiles: the SDK does, through its app's server.
    expect(codeOf(await graph.request(POST, { input: { appId: DEMO.app.id, deviceId: phone() } }, { token: ownerToken }))).toBe(
      'FORBIDDEN',
    );
    const byOwner = await graph.request(
      `mutation($input: DeleteUserDataByOwnerInput!) { deleteUserDataByOwner(input: $input) { id } }`,
      { input: { deviceId: 'c1c9a326-4ae8-4a55-aa0b-434f62a126a7', ownerId: DEMO.account.id } },
      { token: other.token },
    );
    expect(codeOf(byOwner)).toBe('FORBIDDEN');
  });

  it('answers NOT_FOUND for an app the user cannot see or that does not exist, never an empty list', async () => {
    const other = await createTenant(graph, 'Outsider');
    for (const appId of [DEMO.app.id, 'no-such-app']) {
      const page = await graph.request(PAGE, { appId, first: 5 }, { token: other.token });
      expect(page.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
      const count = await graph.request(
        `query($a: ID!) { scannedImageCount(appId: $a, deviceId: "c1c9a326-4ae8-4a55-aa0b-434f62a126a7") }`,
        { a: appId },
        { token: other.token },
      );
      expect(count.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(codeOf(await graph.request(PAGE, { appId: 'demo-ap' }, { token: ownerToken }))).toBe('NOT_FOUND');
  });

  it('lets the owner read an app at once after registering it', async () => {
    const owner = await createTenant(graph, 'Fresh Apps');
    const appId = `fresh-${randomBytes(3).toString('hex')}`;
    const registered = await graph.request(
      `mutation($input: RegisterAppInput!) { registerApp(input: $input) { app { id } } }`,
      { input: { id: appId, name: 'Fresh', platform: 'IOS', kind: 'TRIAL' } },
      { token: owner.token },
    );
    expect(registered.errors).toBeUndefined();
    // No wait for the bus: the owner's very next read sees the app.
    const page = await graph.request(PAGE, { appId, first: 5 }, { token: owner.token });
    expect(page.errors).toBeUndefined();
    expect(page.data!.profiles).toMatchObject({ totalCount: 0, nodes: [] });
    expect(codeOf(await graph.request(PAGE, { appId, first: 5 }, { token: ownerToken }))).toBe('NOT_FOUND');
  });
});

describe('erasure', () => {
  const RECEIPT = `id scope complete parts { subgraph completedAt removed { kind count } }`;

  it('erases a phone for one app in every subgraph, idempotently, with an audit that holds no profile data', async () => {
    const deviceId = phone();
    await asKey(writeKey)(POST, { input: { appId: DEMO.app.id, deviceId, gender: 'MALE', country: 'KR' } });
    await graph.bus.drain();
    expect(await graph.database.prisma.audienceMember.count({ where: { deviceId } })).toBe(1);

    const ERASE = `mutation($input: DeleteUserDataByAppInput!) { deleteUserDataByApp(input: $input) { ${RECEIPT} } }`;
    const receipt = (await asKey(deleteKey)(ERASE, { input: { deviceId, appId: DEMO.app.id } })).data!.deleteUserDataByApp;
    expect(receipt).toMatchObject({
      scope: 'BY_APP',
      complete: true,
      parts: [
        { subgraph: 'profiles', completedAt: expect.any(String), removed: [{ kind: 'profile', count: 1 }] },
        { subgraph: 'analytics', completedAt: expect.any(String), removed: [{ kind: 'audienceMember', count: 1 }] },
      ],
    });
    expect(await graph.database.prisma.profile.count({ where: { deviceId } })).toBe(0);
    expect(await graph.database.prisma.audienceMember.count({ where: { deviceId } })).toBe(0);

    const again = (await asKey(deleteKey)(ERASE, { input: { deviceId, appId: DEMO.app.id } })).data!.deleteUserDataByApp;
    expect(again.parts.map((p: { removed: { count: number }[] }) => p.removed[0]!.count)).toEqual([0, 0]);

    const audit = await graph.database.prisma.erasure.findUnique({ where: { id: receipt.id } });
    expect(audit).toMatchObject({
      requestedBy: `apiKey:${DEMO.app.id}`,
      deviceIdHash: createHash('sha256').update(deviceId).digest('hex'),
    });
    expect(JSON.stringify(audit)).not.toContain(deviceId);
    const reread = await asKey(deleteKey)(`query($id: ID!) { erasureReceipt(id: $id) { ${RECEIPT} } }`, { id: receipt.id });
    expect(reread.data!.erasureReceipt).toEqual(receipt);
  });

  it('erases a phone across every app of an owner', async () => {
    const deviceId = phone();
    const secondApp = `second-${randomBytes(3).toString('hex')}`;
    await graph.request(
      `mutation($input: RegisterAppInput!) { registerApp(input: $input) { appKey } }`,
      { input: { id: secondApp, name: 'Second', platform: 'ANDROID', kind: 'TRIAL' } },
      { token: ownerToken },
    );
    const secondKey = await createApiKey(graph, ownerToken, secondApp, ['PROFILES_WRITE']);
    await asKey(writeKey)(POST, { input: { appId: DEMO.app.id, deviceId } });
    await asKey(secondKey)(POST, { input: { appId: secondApp, deviceId } });
    await graph.bus.drain();
    const ERASE = `mutation($input: DeleteUserDataByOwnerInput!) { deleteUserDataByOwner(input: $input) { ${RECEIPT} } }`;
    const receipt = (await graph.request(ERASE, { input: { deviceId, ownerId: DEMO.account.id } }, { token: ownerToken })).data!
      .deleteUserDataByOwner;
    expect(receipt.scope).toBe('BY_OWNER');
    expect(receipt.parts).toEqual([
      expect.objectContaining({ subgraph: 'profiles', removed: [{ kind: 'profile', count: 2 }] }),
      expect.objectContaining({ subgraph: 'analytics', removed: [{ kind: 'audienceMember', count: 2 }] }),
    ]);
  });

  it('refuses to erase for an app the caller cannot see or that does not exist, and writes nothing', async () => {
    const other = await createTenant(graph, 'Eraser');
    const ERASE = `mutation($input: DeleteUserDataByAppInput!) { deleteUserDataByApp(input: $input) { id complete } }`;
    const deviceId = 'c1c9a326-4ae8-4a55-aa0b-434f62a126a7';
    const before = await graph.database.prisma.erasure.count();
    const foreign = await graph.request(ERASE, { input: { deviceId, appId: DEMO.app.id } }, { token: other.token });
    expect(foreign.errors?.[0]).toMatchObject({
      message: `No App with id "${DEMO.app.id}" exists, or you cannot see it.`,
      extensions: { code: 'NOT_FOUND' },
    });
    const mistyped = await graph.request(ERASE, { input: { deviceId, appId: 'demo-ap' } }, { token: ownerToken });
    expect(codeOf(mistyped)).toBe('NOT_FOUND');
    await graph.bus.drain();
    expect(await graph.database.prisma.erasure.count()).toBe(before);
    expect(await graph.database.prisma.profile.count({ where: { appId: DEMO.app.id, deviceId } })).toBe(1);
  });
});
