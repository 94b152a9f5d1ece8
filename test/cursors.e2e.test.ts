import { randomBytes } from 'node:crypto';
import { ConfigError, CursorSealer, loadConfig, UrlSigner } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type TestGraph } from './support/graph.js';

// Cursors and the REST API's scrollIDs through the gateway: opaque (sealed with a key derived from
// URL_SIGNING_SECRET), stable, chaining page to page, and refused with an actionable BAD_USER_INPUT when
// they are anything else.

const SECRET = 'cursor-test-url-signing-secret-of-more-than-32-bytes';
/** The secrets URL_SIGNING_SECRET had before it was rotated, still accepted (URL_SIGNING_SECRET_PREVIOUS). */
const PREVIOUS = ['cursor-test-secret-before-the-last-rotation', 'cursor-test-secret-of-the-last-rotation'];
let graph: TestGraph;
let owner: string;
let base: string;
const apps: { id: string; key: string }[] = [];

const PAGE = `query($appId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  profiles(appId: $appId, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { deviceId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
type Page = {
  edges: { cursor: string; node: { deviceId: string } }[];
  pageInfo: { hasNextPage: boolean; startCursor: string; endCursor: string };
};

const asKey =
  (key: string) =>
  (query: string, variables: Record<string, unknown> = {}) =>
    graph.request(query, variables, { headers: { api_key: key } });
const page = async (app: { id: string; key: string }, args: Record<string, unknown>) => {
  const result = await asKey(app.key)(PAGE, { appId: app.id, ...args });
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.profiles as Page;
};
const deviceIds = (p: Page) => p.edges.map((e) => e.node.deviceId);
const rest = (path: string, body: unknown, apiKey: string) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', api_key: apiKey }, body: JSON.stringify(body) });

beforeAll(async () => {
  graph = await startTestGraph({ URL_SIGNING_SECRET: SECRET, URL_SIGNING_SECRET_PREVIOUS: PREVIOUS.join(', ') });
  base = graph.url.replace(/\/graphql$/, '');
  owner = await graph.login();
  for (const name of ['A', 'B']) {
    const id = `cursors-${name}-${randomBytes(3).toString('hex')}`;
    await graph.request(
      `mutation($i: RegisterAppInput!) { registerApp(input: $i) { appKey } }`,
      { i: { id, name, platform: 'HTML5', kind: 'TRIAL' } },
      { token: owner },
    );
    const key = await createApiKey(graph, owner, id, ['PROFILES_READ', 'PROFILES_WRITE']);
    for (let i = 0; i < 5; i++)
      await asKey(key)(`mutation($input: PostProfileInput!) { postProfile(input: $input) { deviceId } }`, {
        input: { appId: id, deviceId: `phone-${i}` },
      });
    apps.push({ id, key });
  }
});
afterAll(() => graph?.stop());

describe('connection cursors through the gateway', () => {
  it('chain pages forwards and backwards', async () => {
    const [app] = apps;
    const first = await page(app!, { first: 2 });
    const second = await page(app!, { first: 2, after: first.pageInfo.endCursor });
    const third = await page(app!, { first: 2, after: second.pageInfo.endCursor });
    expect([deviceIds(first), deviceIds(second), deviceIds(third)]).toEqual([['phone-0', 'phone-1'], ['phone-2', 'phone-3'], ['phone-4']]);
    expect(third.pageInfo.hasNextPage).toBe(false);
    expect(deviceIds(await page(app!, { last: 2, before: third.pageInfo.startCursor }))).toEqual(['phone-2', 'phone-3']);
  });

  it('are opaque: no row id, table or field name can be read from them', async () => {
    const all = await page(apps[0]!, { first: 5 });
    for (const { cursor } of all.edges) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]{20,60}$/);
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      for (const readable of ['profile', 'phone', 'cursors-']) expect(decoded).not.toContain(readable);
    }
  });

  it('are stable: the same position always gives the same cursor, sealed with a key every instance derives from URL_SIGNING_SECRET', async () => {
    const once = await page(apps[0]!, { first: 3 });
    const again = await page(apps[0]!, { first: 3 });
    expect(again.edges.map((e) => e.cursor)).toEqual(once.edges.map((e) => e.cursor));
    // Another instance configured with the same secret opens them; one with another secret does not.
    const connection = JSON.stringify(['profile.id', apps[0]!.id]);
    expect(new CursorSealer(SECRET).open(connection, once.pageInfo.endCursor)).toBeDefined();
    expect(new CursorSealer(`${SECRET}-other`).open(connection, once.pageInfo.endCursor)).toBeUndefined();
  });

  it('refuse tampered, truncated, old-format and foreign cursors with BAD_USER_INPUT, never a 500', async () => {
    const [appA, appB] = apps;
    const cursor = (await page(appA!, { first: 2 })).pageInfo.endCursor;
    const bytes = Buffer.from(cursor, 'base64url');
    bytes[bytes.length - 1]! ^= 0x80;
    const oldFormat = Buffer.from(JSON.stringify(['profile.id', '1'])).toString('base64url');
    for (const bad of [bytes.toString('base64url'), cursor.slice(0, -3), oldFormat, 'bm90IGEgY3Vyc29y', '%%%']) {
      const result = await asKey(appA!.key)(PAGE, { appId: appA!.id, first: 2, after: bad });
      expect(result.errors?.[0]?.extensions, bad).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(result.errors?.[0]?.message).toMatch(/^Invalid cursor in `after`: pass `pageInfo.endCursor`/);
    }
    // App A's cursor on app B's profiles: the same ordering, another list.
    const foreign = await asKey(appB!.key)(PAGE, { appId: appB!.id, first: 2, after: cursor });
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    // A profiles cursor on another connection.
    const modes = await graph.request(
      `query($after: String) { deviceModes(first: 2, after: $after) { nodes { id } } }`,
      { after: cursor },
      { token: owner },
    );
    expect(modes.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('rotating URL_SIGNING_SECRET', () => {
  /** `cursor` (sealed by the graph) sealed again, for the same connection and position, with `secret`. */
  const resealed = (connection: string, cursor: string, secret: string) =>
    new CursorSealer(secret).seal(connection, new CursorSealer(SECRET).open(connection, cursor)!);

  it('keeps accepting cursors sealed with a previous secret, while sealing with the current one only', async () => {
    const [app] = apps;
    const connection = JSON.stringify(['profile.id', app!.id]);
    const first = await page(app!, { first: 2 });
    const expected = deviceIds(await page(app!, { first: 2, after: first.pageInfo.endCursor }));
    for (const old of PREVIOUS) {
      const cursor = resealed(connection, first.pageInfo.endCursor, old);
      expect(cursor).not.toBe(first.pageInfo.endCursor);
      const next = await page(app!, { first: 2, after: cursor });
      expect(deviceIds(next)).toEqual(expected);
      // The next page's cursors are sealed with the current secret.
      expect(new CursorSealer(SECRET).open(connection, next.pageInfo.endCursor)).toBeDefined();
      expect(new CursorSealer(old).open(connection, next.pageInfo.endCursor)).toBeUndefined();
    }
    // A secret no longer listed: its cursors are refused like any foreign cursor.
    const dropped = resealed(connection, first.pageInfo.endCursor, 'cursor-test-secret-dropped-from-the-list');
    const result = await asKey(app!.key)(PAGE, { appId: app!.id, first: 2, after: dropped });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(result.errors?.[0]?.message).toMatch(/^Invalid cursor in `after`: pass `pageInfo.endCursor`/);
  });

  it('keeps accepting scrollIDs sealed with a previous secret', async () => {
    const [, app] = apps;
    for (let i = 5; i < 105; i++)
      await asKey(app!.key)(`mutation($input: PostProfileInput!) { postProfile(input: $input) { deviceId } }`, {
        input: { appId: app!.id, deviceId: `phone-${i}` },
      });
    const answer = async (body: Record<string, unknown>) => {
      const response = await rest('/v1/users/profiles-by-device-ids', { deviceIDs: '*', appID: app!.id, ...body }, app!.key);
      return { status: response.status, body: (await response.json()) as any };
    };
    const first = await answer({});
    const connection = JSON.stringify(['profile.id', app!.id]);
    expect(new CursorSealer(SECRET).open(connection, first.body.scrollID)).toBeDefined();
    const old = await answer({ scrollID: resealed(connection, first.body.scrollID, PREVIOUS[0]!) });
    expect(old.status).toBe(200);
    expect(old.body.profiles).toHaveLength(5);
    const dropped = await answer({ scrollID: resealed(connection, first.body.scrollID, 'cursor-test-secret-dropped-from-the-list') });
    expect(dropped.status).toBe(400);
    expect(dropped.body.error).toMatch(/^Invalid scrollID/);
  });

  it('verifies signed URLs signed with a previous secret, and signs with the current one', () => {
    const now = new Date();
    const expires = new Date(now.getTime() + 60_000);
    const signer = new UrlSigner(SECRET, PREVIOUS);
    const [path, query] = new UrlSigner(PREVIOUS[1]!).sign('/media/captures/c1', expires).split('?') as [string, string];
    expect(signer.verify(path, Object.fromEntries(new URLSearchParams(query)), now)).toBe('ok');
    expect(new UrlSigner(SECRET).verify(path, Object.fromEntries(new URLSearchParams(query)), now)).toBe('invalid');
    const [, ownQuery] = signer.sign(path, expires).split('?') as [string, string];
    expect(new UrlSigner(SECRET).verify(path, Object.fromEntries(new URLSearchParams(ownQuery)), now)).toBe('ok');
  });

  it('holds the previous secrets to the strength of the current one', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_PRIVATE_KEY: 'k',
      JWT_PUBLIC_KEY: 'k',
      DATABASE_URL: 'postgresql://localhost/iris',
      PAYMENT_WEBHOOK_SECRET: 'p'.repeat(40),
      URL_SIGNING_SECRET: SECRET,
      GATEWAY_SECRET: 'g'.repeat(40),
    };
    expect(
      loadConfig({ ...production, URL_SIGNING_SECRET_PREVIOUS: `${'a'.repeat(40)},${'b'.repeat(40)}` }).URL_SIGNING_SECRET_PREVIOUS,
    ).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
    expect(() => loadConfig({ ...production, URL_SIGNING_SECRET_PREVIOUS: `${'a'.repeat(40)},${'b'.repeat(20)}` })).toThrow(
      /URL_SIGNING_SECRET_PREVIOUS: its secret #2 must be at least 32 bytes/,
    );
    expect(() => loadConfig({ ...production, URL_SIGNING_SECRET_PREVIOUS: 'iris-development-url-signing-secret' })).toThrow(
      /URL_SIGNING_SECRET_PREVIOUS: its secret #1 is the development default/,
    );
    expect(() => loadConfig({ URL_SIGNING_SECRET_PREVIOUS: 'short' })).toThrow(ConfigError);
  });
});

describe("the REST API's scrollID", () => {
  it('is the same opaque cursor: it chains, and a tampered one is a 400 that says what to send', async () => {
    const [app] = apps;
    const answer = async (body: Record<string, unknown>) => {
      const response = await rest('/v1/users/profiles-by-device-ids', { deviceIDs: '*', appID: app!.id, ...body }, app!.key);
      return { status: response.status, body: (await response.json()) as any };
    };
    // 100 a batch: post enough for two.
    for (let i = 5; i < 105; i++)
      await asKey(app!.key)(`mutation($input: PostProfileInput!) { postProfile(input: $input) { deviceId } }`, {
        input: { appId: app!.id, deviceId: `phone-${i}` },
      });
    const first = await answer({});
    expect(first.body.profiles).toHaveLength(100);
    expect(first.body.scrollID).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(first.body.scrollID, 'base64url').toString('latin1')).not.toMatch(/profile|phone/);
    const second = await answer({ scrollID: first.body.scrollID });
    expect(second.body.profiles.map((p: { deviceID: string }) => p.deviceID)).toEqual([
      'phone-100',
      'phone-101',
      'phone-102',
      'phone-103',
      'phone-104',
    ]);
    expect(second.body.scrollID).toBeUndefined();

    const tampered = await answer({ scrollID: `${first.body.scrollID.slice(0, -2)}AA` });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error).toMatch(/^Invalid scrollID: pass the scrollID of the previous answer for this appID/);
  });
});
