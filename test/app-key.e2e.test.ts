import { DEMO } from '@iris/core';
import { createClient, type Client } from 'graphql-ws';
import { decodeJwt } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * The camera document's credential: "A developer's APP ID (app_id and app_key) is the certificate that
 * the developer uses to access Example cloud APIs." An app signs in with it, reads what the scopes its
 * account chose allow, and rotates it with a grace period.
 */
let graph: TestGraph;
let ownerToken: string;
let adminToken: string;
beforeAll(async () => {
  graph = await startTestGraph();
  ownerToken = await graph.login();
  adminToken = await graph.login(DEMO.adminUser.email);
}, 120_000);
afterAll(async () => graph?.stop());

const REGISTER = `mutation($input: RegisterAppInput!) { registerApp(input: $input) { appKey previousKeyValidUntil app { id kind platform appKeyScopes } } }`;
const UPDATE = `mutation($input: UpdateAppInput!) { updateApp(input: $input) { appKeyScopes } }`;
const ROTATE = `mutation($id: ID!) { rotateAppKey(input: { id: $id }) { appKey previousKeyValidUntil } }`;
const EXCHANGE = `mutation($appId: String!, $appKey: String!) { exchangeAppKey(input: { appId: $appId, appKey: $appKey }) { accessToken expiresAt } }`;
const DEVICE = `query($id: ID!) { device(id: $id) { name } }`;
const APP = `query($id: ID!) { app(id: $id) { id kind platform } }`;

async function register(input: Record<string, unknown>) {
  const result = await graph.request(
    REGISTER,
    { input: { name: 'Camera companion', platform: 'ANDROID', kind: 'PURCHASED', ...input } },
    { token: ownerToken },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.registerApp as {
    appKey: string;
    previousKeyValidUntil: string | null;
    app: { id: string; kind: string; platform: string; appKeyScopes: string[] };
  };
}

function connectWs(connectionParams: Record<string, unknown>): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed: (event: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: graph.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  return { client, closed };
}

const appKeyHeaders = (appId: string, appKey: string) => ({ app_id: appId, app_key: appKey });
const basic = (appId: string, appKey: string) => ({ authorization: `Basic ${Buffer.from(`${appId}:${appKey}`).toString('base64')}` });

describe('an app key', () => {
  let appId: string;
  let appKey: string;
  beforeAll(async () => {
    const registered = await register({ id: 'camera-companion', appKeyScopes: ['DEVICES_READ', 'PROFILES_READ'] });
    ({ appKey } = registered);
    appId = registered.app.id;
    // The seed's app type and platform are kept.
    expect(registered.app).toEqual({
      id: 'camera-companion',
      kind: 'PURCHASED',
      platform: 'ANDROID',
      appKeyScopes: ['PROFILES_READ', 'DEVICES_READ'],
    });
    expect(registered.previousKeyValidUntil).toBeNull();
  });

  it("keeps each of the seed's platforms (Android, iOS, Windows, HTML5) and app types (purchased, trial), as registered and as changed", async () => {
    const platforms = ['ANDROID', 'IOS', 'WINDOWS', 'HTML5'] as const;
    for (const [i, platform] of platforms.entries()) {
      const kind = i % 2 === 0 ? 'TRIAL' : 'PURCHASED';
      const id = `platform-${platform.toLowerCase()}`;
      expect((await register({ id, platform, kind })).app).toMatchObject({ id, platform, kind });
      expect((await graph.request(APP, { id }, { token: ownerToken })).data!.app).toEqual({ id, platform, kind });
    }
    const changed = await graph.request(
      `mutation($input: UpdateAppInput!) { updateApp(input: $input) { platform kind } }`,
      { input: { id: 'platform-windows', platform: 'HTML5', kind: 'TRIAL' } },
      { token: ownerToken },
    );
    expect(changed.data?.updateApp).toEqual({ platform: 'HTML5', kind: 'TRIAL' });
    expect((await graph.request(APP, { id: 'platform-windows' }, { token: ownerToken })).data!.app).toEqual({
      id: 'platform-windows',
      platform: 'HTML5',
      kind: 'TRIAL',
    });
  });

  it('gets the profile scopes the seed lets apps use when its account names none', async () => {
    const registered = await register({ platform: 'HTML5', kind: 'TRIAL' });
    expect(registered.app).toMatchObject({
      kind: 'TRIAL',
      platform: 'HTML5',
      appKeyScopes: ['PROFILES_READ', 'PROFILES_WRITE', 'USERDATA_DELETE'],
    });
    const unknown = await graph.request(
      REGISTER,
      { input: { name: 'x', platform: 'IOS', kind: 'TRIAL', appKeyScopes: [] } },
      { token: ownerToken },
    );
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.appKeyScopes' });
  });

  it('is traded by identity for an app token carrying the app, its account and the chosen scopes', async () => {
    const traded = await graph.request(EXCHANGE, { appId, appKey }, { url: graph.subgraphs.identity.url });
    expect(traded.errors).toBeUndefined();
    expect(decodeJwt(traded.data!.exchangeAppKey.accessToken)).toMatchObject({
      via: 'appKey',
      app: appId,
      acc: DEMO.account.id,
      scp: ['profiles:read', 'devices:read'],
    });
    // Not part of the public graph.
    const hidden = await graph.request(EXCHANGE, { appId, appKey });
    expect(hidden.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('reads a camera and its own app through the gateway, sent as app_id + app_key headers', async () => {
    const device = await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, appKey) });
    expect(device.errors).toBeUndefined();
    expect(device.data!.device).toEqual({ name: DEMO.device.name });
    const app = await graph.request(APP, { id: appId }, { headers: appKeyHeaders(appId, appKey) });
    expect(app.errors).toBeUndefined();
    expect(app.data!.app).toEqual({ id: appId, kind: 'PURCHASED', platform: 'ANDROID' });
  });

  it('works as x-app-id + x-app-key and as HTTP Basic', async () => {
    const headers = await graph.request(DEVICE, { id: DEMO.device.id }, { headers: { 'x-app-id': appId, 'x-app-key': appKey } });
    expect(headers.data?.device).toEqual({ name: DEMO.device.name });
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...basic(appId, appKey) },
      body: JSON.stringify({ query: DEVICE, variables: { id: DEMO.device.id } }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown }).data).toEqual({ device: { name: DEMO.device.name } });
  });

  it('is refused with FORBIDDEN outside its scopes', async () => {
    const marks = await graph.request(`{ deviceMarks(first: 1) { totalCount } }`, {}, { headers: appKeyHeaders(appId, appKey) });
    expect(marks.data?.deviceMarks ?? null).toBeNull();
    expect(marks.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(marks.errors?.[0]?.message).toMatch(/marks:read/);
    const me = await graph.request(`{ me { email } }`, {}, { headers: basic(appId, appKey) });
    expect(me.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('gets the scopes its account chooses next, at once for the gateway that holds a token for it', async () => {
    // The gateway holds a token traded with devices:read.
    expect((await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, appKey) })).data?.device).toBeTruthy();
    const updated = await graph.request(
      UPDATE,
      { input: { id: appId, appKeyScopes: ['MARKS_READ', 'PROFILES_READ'] } },
      { token: ownerToken },
    );
    expect(updated.data?.updateApp).toEqual({ appKeyScopes: ['PROFILES_READ', 'MARKS_READ'] });
    await expect
      .poll(
        async () =>
          (await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, appKey) })).errors?.[0]?.extensions?.code,
        { timeout: 15_000 },
      )
      .toBe('FORBIDDEN');
    const marks = await graph.request(`{ deviceMarks(first: 1) { totalCount } }`, {}, { headers: appKeyHeaders(appId, appKey) });
    expect(marks.errors).toBeUndefined();
    expect(marks.data?.deviceMarks.totalCount).toBeGreaterThanOrEqual(0);
    await graph.request(UPDATE, { input: { id: appId, appKeyScopes: ['DEVICES_READ', 'PROFILES_READ'] } }, { token: ownerToken });
  });

  it('is refused with APP_KEY_INVALID when wrong, for another app, or half sent', async () => {
    for (const headers of [
      appKeyHeaders(appId, `${appKey}x`),
      appKeyHeaders(DEMO.app.id, appKey),
      appKeyHeaders('no-such-app', appKey),
      basic(appId, 'iak_wrong'),
      { app_id: appId },
    ]) {
      const result = await graph.request(DEVICE, { id: DEMO.device.id }, { headers });
      expect(result.data?.device ?? null, JSON.stringify(headers)).toBeNull();
      expect(result.errors?.[0]?.extensions, JSON.stringify(headers)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'APP_KEY_INVALID' });
      expect(result.errors?.[0]?.message).toMatch(/app_key/);
    }
    const malformed = await graph.request(
      DEVICE,
      { id: DEMO.device.id },
      { headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } },
    );
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'AUTHORIZATION_MALFORMED' });
  });

  it('is read by every transport and allowed by CORS', async () => {
    // A subscription over HTTP (Apollo's multipart protocol) is admitted with the same credential.
    const subscribe = (headers: Record<string, string>) =>
      fetch(graph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0', ...headers },
        body: JSON.stringify({ query: 'subscription { deviceMarkCreated { id } }' }),
      });
    const refused = await subscribe(appKeyHeaders(appId, 'iak_wrong'));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions).toMatchObject({
      reason: 'APP_KEY_INVALID',
    });
    // graphql-ws reads it from connectionParams, however the client spells the names.
    const wrong = connectWs({ app_id: appId, app_key: 'iak_wrong' });
    expect(await wrong.closed).toMatchObject({ code: 4403, reason: expect.stringMatching(/^APP_KEY_INVALID: /) });
    const right = connectWs({ 'X-App-Id': appId, 'X-App-Key': appKey });
    try {
      // Signed in (not closed with 4403), and held to its scopes: marks:read was not chosen.
      const first = await new Promise<{ errors?: readonly { extensions?: Record<string, unknown> }[] }>((resolve) => {
        right.client.subscribe(
          { query: 'subscription { deviceMarkCreated { id } }' },
          { next: resolve, error: (errors) => resolve({ errors: errors as never }), complete: () => {} },
        );
      });
      expect(first.errors?.[0]?.extensions?.code, JSON.stringify(first.errors ?? first)).toBe('FORBIDDEN');
    } finally {
      await right.client.dispose();
    }
    const preflight = await fetch(graph.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'app_id,app_key,content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/app_id.*app_key/);
  });

  it('is refused with ACCOUNT_DEACTIVATED while its account is deactivated', async () => {
    const STATUS = `mutation($input: SetAccountStatusInput!) { setAccountStatus(input: $input) { active } }`;
    await graph.request(STATUS, { input: { accountId: DEMO.account.id, active: false } }, { token: adminToken });
    try {
      await expect
        .poll(
          async () =>
            (await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, appKey) })).errors?.[0]?.extensions
              ?.reason,
          { timeout: 15_000 },
        )
        .toBe('ACCOUNT_DEACTIVATED');
    } finally {
      await graph.request(STATUS, { input: { accountId: DEMO.account.id, active: true } }, { token: adminToken });
      ownerToken = await graph.login();
    }
    const again = await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, appKey) });
    expect(again.data?.device).toEqual({ name: DEMO.device.name });
  });

  // Last: it moves the graph's clock a day forward.
  it('rotates with a grace period: the previous key works until the answer says, then stops', async () => {
    const ownerRotating = await graph.request(ROTATE, { id: appId }, { token: ownerToken });
    expect(ownerRotating.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const before = graph.clock.now().getTime();
    const rotated = await graph.request(ROTATE, { id: appId }, { token: adminToken });
    expect(rotated.errors).toBeUndefined();
    const { appKey: newKey, previousKeyValidUntil } = rotated.data!.rotateAppKey as { appKey: string; previousKeyValidUntil: string };
    expect(newKey).not.toBe(appKey);
    const graceEnds = new Date(previousKeyValidUntil).getTime();
    expect(graceEnds - before).toBeGreaterThanOrEqual(graph.config.APP_KEY_ROTATION_GRACE_SECONDS * 1000 - 1_000);
    expect(graceEnds - before).toBeLessThanOrEqual(graph.config.APP_KEY_ROTATION_GRACE_SECONDS * 1000 + 60_000);

    for (const key of [appKey, newKey]) {
      const read = await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, key) });
      expect(read.data?.device, key === newKey ? 'new key' : 'previous key').toEqual({ name: DEMO.device.name });
    }
    // An hour before the grace period ends the previous key still works.
    graph.clock.advance(graceEnds - graph.clock.now().getTime() - 3_600_000);
    expect((await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, appKey) })).data?.device).toEqual({
      name: DEMO.device.name,
    });

    graph.clock.advance(3_600_000 + 60_000);
    const old = await graph.request(DEVICE, { id: DEMO.device.id }, { headers: appKeyHeaders(appId, appKey) });
    expect(old.data?.device ?? null).toBeNull();
    expect(old.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'APP_KEY_INVALID' });
    const current = await graph.request(DEVICE, { id: DEMO.device.id }, { headers: basic(appId, newKey) });
    expect(current.data?.device).toEqual({ name: DEMO.device.name });
  });
});
