import { createHash, randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * Browser logout by OpenID Connect RP-initiated logout: an app granted OPENID receives an ID token with
 * its tokens; a browser, which holds no refresh token and no credentials for Iris, sends it back as
 * `id_token_hint` to `GET /accounts/logout`, which ends that user's sessions of that app and returns the
 * browser to a redirect URI the app registered, with `state`.
 */
let graph: TestGraph;
let ownerToken: string;
let ownerId: string;
let origin: string;
let otherAppId: string;
beforeAll(async () => {
  graph = await startTestGraph();
  ownerToken = await graph.login();
  ownerId = (await graph.request(`{ me { id } }`, {}, { token: ownerToken })).data!.me.id;
  origin = new URL(graph.url).origin;
  otherAppId = `logout-other-${randomBytes(3).toString('hex')}`;
  const registered = await graph.request(
    `mutation($i: RegisterAppInput!) { registerApp(input: $i) { appKey } }`,
    { i: { id: otherAppId, name: 'Other', platform: 'HTML5', kind: 'TRIAL' } },
    { token: ownerToken },
  );
  expect(registered.errors).toBeUndefined();
}, 120_000);
afterAll(async () => graph?.stop());

const REDIRECT_URI = 'http://localhost:3000/callback';
const AUTHORIZE = `mutation($input: AuthorizeAppInput!) { authorizeApp(input: $input) { code } }`;
const EXCHANGE = `mutation($input: ExchangeAuthorizationCodeInput!) { exchangeAuthorizationCode(input: $input) { accessToken refreshToken idToken scopes } }`;
const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken idToken } }`;
const ME = `{ me { email } }`;

type Tokens = { accessToken: string; refreshToken: string; idToken: string | null; scopes: string[] };

/** The demo owner signs in to demo-app with OpenID Connect (or without it). */
async function signInToDemoApp(scopes: string[] = ['OPENID', 'USER_READ']): Promise<Tokens> {
  const verifier = randomBytes(32).toString('base64url');
  const pkce = { codeChallenge: createHash('sha256').update(verifier).digest('base64url'), codeChallengeMethod: 'S256' };
  const authorized = await graph.request(
    AUTHORIZE,
    { input: { appId: DEMO.app.id, redirectUri: REDIRECT_URI, scopes, ...pkce } },
    { token: ownerToken },
  );
  expect(authorized.errors).toBeUndefined();
  const exchanged = await graph.request(EXCHANGE, {
    input: { appId: DEMO.app.id, code: authorized.data!.authorizeApp.code, redirectUri: REDIRECT_URI, codeVerifier: verifier },
  });
  expect(exchanged.errors).toBeUndefined();
  return exchanged.data!.exchangeAuthorizationCode;
}

/** A browser's request: no Authorization header, no cookies, redirects not followed. */
const browserLogout = (query: Record<string, string>) =>
  fetch(`${origin}/accounts/logout?${new URLSearchParams(query)}`, { redirect: 'manual' });
const errorOf = async (response: Response) =>
  ((await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] }).errors[0]!;
const meAs = async (token: string) => (await graph.request(ME, {}, { token })).errors?.[0]?.extensions;

describe('ID tokens at the token endpoint', () => {
  it('come with the tokens for OPENID, name the user to the app, and are not access tokens', async () => {
    const tokens = await signInToDemoApp();
    expect(tokens.scopes).toEqual(['USER_READ', 'OPENID']);
    expect(decodeProtectedHeader(tokens.idToken!)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const claims = decodeJwt(tokens.idToken!);
    expect(claims).toMatchObject({ iss: graph.config.JWT_ISSUER, sub: ownerId, aud: DEMO.app.id });
    expect(typeof claims.sid).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(graph.config.ACCESS_TOKEN_TTL_SECONDS);
    // Sent as an access token, it is refused: another `typ`, another audience.
    expect((await meAs(tokens.idToken!))?.code).toBe('UNAUTHENTICATED');
    // A refresh of the same session brings a new one.
    const refreshed = await graph.request(REFRESH, { t: tokens.refreshToken });
    expect(decodeJwt(refreshed.data!.refreshToken.idToken)).toMatchObject({ sub: ownerId, aud: DEMO.app.id, sid: claims.sid });
  });

  it('do not come without OPENID', async () => {
    const tokens = await signInToDemoApp(['USER_READ']);
    expect(tokens.idToken).toBeNull();
  });
});

describe('GET /accounts/logout?id_token_hint=…', () => {
  it("ends the hinted user's sessions of the app for a browser with no credentials, and redirects with state", async () => {
    const first = await signInToDemoApp();
    const second = await signInToDemoApp();
    const response = await browserLogout({
      client_id: DEMO.app.id,
      id_token_hint: first.idToken!,
      post_logout_redirect_uri: REDIRECT_URI,
      state: 'st-1',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${REDIRECT_URI}?state=st-1`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    for (const session of [first, second]) {
      await expect.poll(async () => (await meAs(session.accessToken))?.reason, { timeout: 15_000 }).toBe('TOKEN_REVOKED');
      expect((await graph.request(REFRESH, { t: session.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // The user's own sign-in is not this app's session.
    expect((await graph.request(ME, {}, { token: ownerToken })).data?.me).toEqual({ email: DEMO.mainUser.email });
  });

  it('takes the app from the hint when client_id is left out, and answers JSON without a redirect URI', async () => {
    const session = await signInToDemoApp();
    const response = await browserLogout({ id_token_hint: session.idToken! });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sessionsEnded: 1 });
    await expect.poll(async () => (await meAs(session.accessToken))?.reason, { timeout: 15_000 }).toBe('TOKEN_REVOKED');
  });

  it('still takes a hint past its expiry, within a session lifetime, and no longer after', async () => {
    const session = await signInToDemoApp();
    graph.clock.advance(2 * graph.config.ACCESS_TOKEN_TTL_SECONDS * 1000);
    try {
      const late = await browserLogout({ client_id: DEMO.app.id, id_token_hint: session.idToken!, redirect_uri: REDIRECT_URI });
      expect(late.status).toBe(302);
      graph.clock.advance((graph.config.REFRESH_TOKEN_TTL_SECONDS + 60) * 1000);
      const tooLate = await browserLogout({ client_id: DEMO.app.id, id_token_hint: session.idToken! });
      expect(tooLate.status).toBe(400);
      expect((await errorOf(tooLate)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id_token_hint' });
    } finally {
      graph.clock.advance(-(2 * graph.config.ACCESS_TOKEN_TTL_SECONDS + graph.config.REFRESH_TOKEN_TTL_SECONDS + 60) * 1000);
    }
  });

  it('refuses an unregistered redirect URI (no open redirect) and ends nothing', async () => {
    const session = await signInToDemoApp();
    for (const redirect of ['https://evil.example/cb', `${REDIRECT_URI}/../../evil`, 'javascript:alert(1)']) {
      const response = await browserLogout({
        client_id: DEMO.app.id,
        id_token_hint: session.idToken!,
        post_logout_redirect_uri: redirect,
        state: 's',
      });
      expect(response.status, redirect).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect((await errorOf(response)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'redirect_uri' });
    }
    expect(await meAs(session.accessToken)).toBeUndefined();
  });

  it('refuses a hint that is forged, altered, an access token, or issued to another app, naming id_token_hint', async () => {
    const session = await signInToDemoApp();
    const [header, payload, signature] = session.idToken!.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const otherUser = Buffer.from(JSON.stringify({ ...claims, sub: '0190a000-0000-7000-8000-000000000999' })).toString('base64url');
    const hints = [
      `${header}.${otherUser}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
      session.accessToken,
      'not-a-jwt',
    ];
    for (const hint of hints) {
      const response = await browserLogout({ client_id: DEMO.app.id, id_token_hint: hint, redirect_uri: REDIRECT_URI });
      expect(response.status, hint).toBe(400);
      const error = await errorOf(response);
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id_token_hint' });
      expect(error.message).toMatch(/^id_token_hint: is not an ID token Iris issued to this app/);
    }
    // Demo-app's hint with another app's client_id.
    const foreign = await browserLogout({ client_id: otherAppId, id_token_hint: session.idToken! });
    expect((await errorOf(foreign)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id_token_hint' });
    expect(await meAs(session.accessToken)).toBeUndefined();
  });

  it('refuses a hint naming another user than the signed-in caller', async () => {
    const session = await signInToDemoApp();
    const other = await graph.login(DEMO.adminUser.email);
    const response = await fetch(
      `${origin}/accounts/logout?${new URLSearchParams({ client_id: DEMO.app.id, id_token_hint: session.idToken! })}`,
      { headers: { authorization: `Bearer ${other}` } },
    );
    const error = await errorOf(response);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id_token_hint' });
    expect(error.message).toMatch(/another user/);
  });
});
