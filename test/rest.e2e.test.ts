import { randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type TestGraph } from './support/graph.js';

let graph: TestGraph;
let key: string;
let base: string;

const call = (method: string, path: string, body?: unknown, apiKey: string | null = key) =>
  fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(apiKey ? { api_key: apiKey } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A response's JSON body, untyped as the REST API's clients see it. */
const json = async (response: Response): Promise<any> => response.json();

beforeAll(async () => {
  graph = await startTestGraph();
  base = graph.url.replace(/\/graphql$/, '');
  key = await createApiKey(graph, await graph.login(), DEMO.app.id, ['PROFILES_READ', 'PROFILES_WRITE', 'USERDATA_DELETE']);
});
afterAll(() => graph?.stop());

describe("the profiles REST API, on the document's own examples", () => {
  it("returns the example profile by device id, in the document's shape", async () => {
    const response = await call('POST', '/v1/users/profiles-by-device-ids', {
      deviceIDs: ['c1c9a326-4ae8-4a55-aa0b-434f62a126a7'],
      appID: DEMO.app.id,
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      profiles: [
        {
          deviceID: 'c1c9a326-4ae8-4a55-aa0b-434f62a126a7',
          gender: 'male',
          'marital-status': 'single',
          'parental-status': 'without children',
          age: 'under 25',
          transportation: ['car'],
          pets: ['dog'],
          sports: ['active', 'viewer'],
          country: 'Korea - South',
          city: 'Gwacheon',
          'country-vacations': ['Italy', 'France'],
          'city-vacations': ['Rome', 'Paris'],
          'life-events': ['about to have a baby', 'about to move home'],
        },
      ],
    });
  });

  it('posts the example profile (201), reading "unkown" as unknown, and refuses words the document does not list', async () => {
    const posted = await call('POST', '/v1/users/post-profile', {
      appID: DEMO.app.id,
      deviceID: 'device-1',
      'parental-status': 'without children',
      gender: 'male',
      country: 'Israel',
      city: 'Jerusalem',
      age: 'unkown',
    });
    expect(posted.status).toBe(201);
    const read = await json(await call('POST', '/v1/users/profiles-by-device-ids', { deviceIDs: ['device-1'], appID: DEMO.app.id }));
    expect(read.profiles[0]).toMatchObject({
      deviceID: 'device-1',
      gender: 'male',
      'parental-status': 'without children',
      age: 'unknown',
      country: 'Israel',
      city: 'Jerusalem',
    });

    const bad = await call('POST', '/v1/users/post-profile', { appID: DEMO.app.id, deviceID: 'device-2', gender: 'other' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatch(/"gender": "other" is not one of "male", "female", "unknown"/);
    const badCountry = await call('POST', '/v1/users/post-profile', { appID: DEMO.app.id, deviceID: 'device-2', country: 'Atlantis' });
    expect(badCountry.status).toBe(400);
  });

  it('batches a whole app with scrollID, which keeps working past the old 60 seconds', async () => {
    const appId = `rest-${randomBytes(3).toString('hex')}`;
    const owner = await graph.login();
    await graph.request(
      `mutation($i: RegisterAppInput!) { registerApp(input: $i) { appKey } }`,
      { i: { id: appId, name: 'REST', platform: 'ANDROID', kind: 'TRIAL' } },
      { token: owner },
    );
    const appKey = await createApiKey(graph, owner, appId, ['PROFILES_READ', 'PROFILES_WRITE']);
    for (let i = 0; i < 130; i++)
      await call('POST', '/v1/users/post-profile', { appID: appId, deviceID: `d-${i}`, gender: i % 2 ? 'male' : 'female' }, appKey);

    const first = await json(await call('POST', '/v1/users/profiles-by-device-ids', { deviceIDs: '*', appID: appId }, appKey));
    expect(first.profiles).toHaveLength(100);
    expect(typeof first.scrollID).toBe('string');
    graph.clock.advance(2 * 60_000);
    const second = await json(
      await call('POST', '/v1/users/profiles-by-device-ids', { deviceIDs: '*', appID: appId, scrollID: first.scrollID }, appKey),
    );
    graph.clock.advance(-2 * 60_000);
    expect(second.profiles).toHaveLength(30);
    expect(second.scrollID).toBeUndefined();
    expect(new Set([...first.profiles, ...second.profiles].map((p: { deviceID: string }) => p.deviceID)).size).toBe(130);
  });

  it('serves the profile by app user id, the scanned-image count, and both deletions (200)', async () => {
    await call('POST', '/v1/users/post-profile', { appID: DEMO.app.id, deviceID: 'device-9', appUserID: 'user-9', gender: 'female' });
    const byUser = await call('GET', `/v1/users/profile-by-app-user-id/user-9/${DEMO.app.id}`);
    expect(await json(byUser)).toMatchObject({ profile: { deviceID: 'device-9', gender: 'female' } });
    expect((await call('GET', `/v1/users/profile-by-app-user-id/nobody/${DEMO.app.id}`)).status).toBe(404);

    const count = await call('GET', `/v1/users/scanned-images-by-device-id/c1c9a326-4ae8-4a55-aa0b-434f62a126a7/${DEMO.app.id}`);
    expect(await json(count)).toEqual({ count: 2907 });

    expect((await call('DELETE', `/v1/users/delete-user-data-by-app-id/device-9/${DEMO.app.id}`)).status).toBe(200);
    expect((await call('GET', `/v1/users/profile-by-app-user-id/user-9/${DEMO.app.id}`)).status).toBe(404);
    await call('POST', '/v1/users/post-profile', { appID: DEMO.app.id, deviceID: 'device-10', gender: 'male' });
    expect((await call('DELETE', `/v1/users/delete-user-data-by-owner-id/device-10/${DEMO.account.id}`)).status).toBe(200);
    const gone = await json(await call('POST', '/v1/users/profiles-by-device-ids', { deviceIDs: ['device-10'], appID: DEMO.app.id }));
    expect(gone.profiles).toEqual([]);
  });

  it('answers 401 without an api_key and 403 for a key of another app', async () => {
    expect((await call('POST', '/v1/users/profiles-by-device-ids', { deviceIDs: '*', appID: DEMO.app.id }, null)).status).toBe(401);
    expect((await call('POST', '/v1/users/profiles-by-device-ids', { deviceIDs: '*', appID: 'someone-elses-app' })).status).toBe(403);
    expect((await call('POST', '/v1/users/profiles-by-device-ids', { deviceIDs: 'everything', appID: DEMO.app.id })).status).toBe(400);
  });
});
