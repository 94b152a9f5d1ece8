import { createHash, randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * The camera document's `GET /accounts/logout?client_id=…&redirect_uri=…` (OpenID Connect RP-initiated
 * logout): the user's sessions of one app end, and the browser goes back to a URI that app registered.
 */
let graph: TestGraph;
let ownerToken: string;
let origin: string;
beforeAll(async () => {
  graph = await startTestGraph();
  ownerToken = await graph.login();
  origin = new URL(graph.url).origin;
}, 120_000);
afterAll(async () => graph?.stop());

const REDIRECT_URI = 'http://localhost:3000/callback';
const AUTHORIZE = `mutation($input: AuthorizeAppInput!) { authorizeApp(input: $input) { code } }`;
const EXCHANGE = `mutation($input: ExchangeAuthorizationCodeInput!) { exchangeAuthorizationCode(input: $input) { accessToken refreshToken } }`;
const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken } }`;
const LOGOUT_CLIENT = `mutation($input: LogoutClientInput!) { logoutClient(input: $input) { sessionsEnded redirectTo } }`;
const ME = `{ me { email } }`;

/** The demo owner lets demo-app read their profile: the app's OAuth session. */
async function approveDemoApp(): Promise<{ accessToken: string; refreshToken: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const pkce = { codeChallenge: createHash('sha256').update(verifier).digest('base64url'), codeChallengeMethod: 'S256' };
  const authorized = await graph.request(
    AUTHORIZE,
    { input: { appId: DEMO.app.id, redirectUri: REDIRECT_URI, scopes: ['USER_READ'], ...pkce } },
    { token: ownerToken },
  );
  expect(authorized.errors).toBeUndefined();
  const exchanged = await graph.request(EXCHANGE, {
    input: { appId: DEMO.app.id, code: authorized.data!.authorizeApp.code, redirectUri: REDIRECT_URI, codeVerifier: verifier },
  });
  expect(exchanged.errors).toBeUndefined();
  return exchanged.data!.exchangeAuthorizationCode;
}

const logoutUrl = (query: Record<string, string>) => `${origin}/accounts/logout?${new URLSearchParams(query)}`;
const getLogout = (query: Record<string, string>, token?: string) =>
  fetch(logoutUrl(query), { redirect: 'manual', headers: token ? { authorization: `Bearer ${token}` } : {} });
const meAs = async (token: string) => (await graph.request(ME, {}, { token })).errors?.[0]?.extensions;

describe('GET /accounts/logout', () => {
  it("ends the user's sessions of that app and redirects to its registered URI, keeping the user's own session", async () => {
    const first = await approveDemoApp();
    const second = await approveDemoApp();
    expect(await meAs(first.accessToken)).toBeUndefined();

    const response = await getLogout({ client_id: DEMO.app.id, redirect_uri: REDIRECT_URI, state: 'xyz' }, ownerToken);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${REDIRECT_URI}?state=xyz`);

    for (const session of [first, second]) {
      await expect.poll(async () => (await meAs(session.accessToken))?.reason, { timeout: 15_000 }).toBe('TOKEN_REVOKED');
      const refreshed = await graph.request(REFRESH, { t: session.refreshToken });
      expect(refreshed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // The user's own sign-in is another client's session: it stays.
    expect((await graph.request(ME, {}, { token: ownerToken })).data?.me).toEqual({ email: DEMO.mainUser.email });
  });

  it('refuses a redirect_uri the app did not register with 400 naming the parameter, and ends nothing', async () => {
    const session = await approveDemoApp();
    const response = await getLogout({ client_id: DEMO.app.id, redirect_uri: 'https://evil.example/cb' }, ownerToken);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const body = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'redirect_uri' });
    expect(body.errors[0]!.message).toMatch(/^redirect_uri: .*registered/);
    expect(await meAs(session.accessToken)).toBeUndefined();
  });

  it('refuses a missing or unknown client_id with 400, and a caller who is not signed in with 401', async () => {
    const queries: Record<string, string>[] = [{ redirect_uri: REDIRECT_URI }, { client_id: 'no-such-app', redirect_uri: REDIRECT_URI }];
    for (const query of queries) {
      const response = await getLogout(query, ownerToken);
      expect(response.status, JSON.stringify(query)).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
      expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'client_id' });
      expect(body.errors[0]!.message).toMatch(/^client_id: /);
    }
    const anonymous = await getLogout({ client_id: DEMO.app.id, redirect_uri: REDIRECT_URI });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});

describe('logoutClient', () => {
  it('is the same logout as a mutation, for the user or for the app itself with its OAuth token', async () => {
    // The refused logout above left a session live: end it first, so the counts below are this test's.
    await graph.request(LOGOUT_CLIENT, { input: { clientId: DEMO.app.id } }, { token: ownerToken });
    const byUser = await approveDemoApp();
    const answered = await graph.request(LOGOUT_CLIENT, { input: { clientId: DEMO.app.id } }, { token: ownerToken });
    expect(answered.errors).toBeUndefined();
    expect(answered.data!.logoutClient).toEqual({ sessionsEnded: 1, redirectTo: null });
    await expect.poll(async () => (await meAs(byUser.accessToken))?.reason, { timeout: 15_000 }).toBe('TOKEN_REVOKED');

    const byApp = await approveDemoApp();
    const itself = await graph.request(
      LOGOUT_CLIENT,
      { input: { clientId: DEMO.app.id, redirectUri: REDIRECT_URI } },
      { token: byApp.accessToken },
    );
    expect(itself.data?.logoutClient).toEqual({ sessionsEnded: 1, redirectTo: REDIRECT_URI });
    await expect.poll(async () => (await meAs(byApp.accessToken))?.reason, { timeout: 15_000 }).toBe('TOKEN_REVOKED');

    // Nothing left to end: still an answer, not an error.
    const again = await graph.request(LOGOUT_CLIENT, { input: { clientId: DEMO.app.id } }, { token: ownerToken });
    expect(again.data?.logoutClient).toEqual({ sessionsEnded: 0, redirectTo: null });
  });

  it("keeps today's refresh-token logout", async () => {
    const login = await graph.request(`mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }`, {
      input: { email: DEMO.mainUser.email, password: DEMO.password },
    });
    const { accessToken, refreshToken } = login.data!.login as { accessToken: string; refreshToken: string };
    const out = await graph.request(`mutation($t: String!) { logout(input: { refreshToken: $t }) { revoked } }`, { t: refreshToken });
    expect(out.data?.logout).toEqual({ revoked: true });
    await expect.poll(async () => (await meAs(accessToken))?.reason, { timeout: 15_000 }).toBe('TOKEN_REVOKED');
  });
});
