import { createHash, randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * What an app's credentials reach: an API key stops with its account, and an OAuth token carries the
 * app and exactly the scopes its user consented to, never the user's own power.
 */
let graph: TestGraph;
let ownerToken: string;
let adminToken: string;
beforeAll(async () => {
  graph = await startTestGraph();
  ownerToken = await graph.login();
  adminToken = await graph.login(DEMO.adminUser.email);
});
afterAll(async () => graph?.stop());

const STATUS = `mutation($input: SetAccountStatusInput!) { setAccountStatus(input: $input) { active } }`;
const EXCHANGE_KEY = `mutation($k: String!) { exchangeApiKey(input: { apiKey: $k }) { accessToken } }`;
const APP = `query($id: ID!) { app(id: $id) { name } }`;

describe('API keys of a deactivated account', () => {
  it('are refused with ACCOUNT_DEACTIVATED by identity and at the gateway, and work again once it is reactivated', async () => {
    const key = await createApiKey(graph, ownerToken, DEMO.app.id, ['PROFILES_READ']);
    const setActive = async (active: boolean) => {
      const result = await graph.request(STATUS, { input: { accountId: DEMO.account.id, active } }, { token: adminToken });
      expect(result.errors).toBeUndefined();
    };
    await setActive(false);
    try {
      const traded = await graph.request(EXCHANGE_KEY, { k: key }, { url: graph.subgraphs.identity.url });
      expect(traded.data ?? null).toBeNull();
      expect(traded.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DEACTIVATED' });
      expect(traded.errors?.[0]?.message).toMatch(/deactivated/);

      const read = await graph.request(APP, { id: DEMO.app.id }, { headers: { api_key: key } });
      expect(read.data?.app ?? null).toBeNull();
      expect(read.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DEACTIVATED' });
    } finally {
      await setActive(true);
    }
    const again = await graph.request(EXCHANGE_KEY, { k: key }, { url: graph.subgraphs.identity.url });
    expect(again.errors).toBeUndefined();
  });

  it('stop the tokens already traded for them', async () => {
    ownerToken = await graph.login();
    const key = await createApiKey(graph, ownerToken, DEMO.app.id, ['PROFILES_READ']);
    // Used once before: the gateway holds a token traded for it.
    expect((await graph.request(APP, { id: DEMO.app.id }, { headers: { api_key: key } })).data?.app).toEqual({ name: DEMO.app.name });
    const traded = (await graph.request(EXCHANGE_KEY, { k: key }, { url: graph.subgraphs.identity.url })).data!.exchangeApiKey
      .accessToken as string;
    await graph.request(STATUS, { input: { accountId: DEMO.account.id, active: false } }, { token: adminToken });
    try {
      await expect
        .poll(async () => (await graph.request(APP, { id: DEMO.app.id }, { headers: { api_key: key } })).errors?.[0]?.extensions?.code, {
          timeout: 15_000,
        })
        .toBe('UNAUTHENTICATED');
      await expect
        .poll(async () => (await graph.request(APP, { id: DEMO.app.id }, { token: traded })).errors?.[0]?.extensions?.code, {
          timeout: 15_000,
        })
        .toBe('UNAUTHENTICATED');
    } finally {
      await graph.request(STATUS, { input: { accountId: DEMO.account.id, active: true } }, { token: adminToken });
    }
  });

  it('tells a mistyped key from a deactivated account', async () => {
    const traded = await graph.request(EXCHANGE_KEY, { k: 'iris_not_a_key' }, { url: graph.subgraphs.identity.url });
    expect(traded.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_INVALID' });
  });
});

describe('OAuth', () => {
  // Deactivating the demo account above revoked its tokens: sign in again.
  beforeAll(async () => {
    ownerToken = await graph.login();
  });
  const AUTHORIZE = `mutation($input: AuthorizeAppInput!) { authorizeApp(input: $input) { code redirectTo } }`;
  const EXCHANGE = `mutation($input: ExchangeAuthorizationCodeInput!) { exchangeAuthorizationCode(input: $input) { accessToken refreshToken scopes } }`;
  const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken scopes } }`;
  const redirectUri = 'http://localhost:3000/callback';
  const verifier = randomBytes(32).toString('base64url');
  const pkce = { codeChallenge: createHash('sha256').update(verifier).digest('base64url'), codeChallengeMethod: 'S256' };

  /** The user behind `token` approves demo-app for `scopes`; the app trades the code for its tokens. */
  async function approve(token: string, scopes: string[]) {
    const authorized = await graph.request(AUTHORIZE, { input: { appId: DEMO.app.id, redirectUri, scopes, ...pkce } }, { token });
    expect(authorized.errors).toBeUndefined();
    const exchanged = await graph.request(EXCHANGE, {
      input: { appId: DEMO.app.id, code: authorized.data!.authorizeApp.code, redirectUri, codeVerifier: verifier },
    });
    expect(exchanged.errors).toBeUndefined();
    return exchanged.data!.exchangeAuthorizationCode as { accessToken: string; refreshToken: string; scopes: string[] };
  }

  it("gives the app a token of its own with exactly the consented scopes, never a service admin's reach", async () => {
    const granted = await approve(adminToken, ['MARKS_READ']);
    expect(granted.scopes).toEqual(['MARKS_READ']);
    expect(decodeJwt(granted.accessToken)).toMatchObject({
      app: DEMO.app.id,
      via: 'oauth',
      scp: ['marks:read'],
      acc: DEMO.adminAccount.id,
      usr: DEMO.adminUser.id,
    });
    // Another tenant's account, which the approving service admin could read, is out of the app's reach.
    const other = await graph.request(
      `query($id: ID!) { account(id: $id) { name orders { nodes { id } } } }`,
      { id: DEMO.account.id },
      { token: granted.accessToken },
    );
    expect(other.data?.account ?? null).toBeNull();
    // And a field no consented scope names is refused.
    const me = await graph.request(`{ me { email } }`, {}, { token: granted.accessToken });
    expect(me.data?.me ?? null).toBeNull();
    expect(me.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('keeps the app and its scopes when the token is refreshed', async () => {
    const granted = await approve(ownerToken, ['USER_READ', 'DEVICES_READ']);
    const refreshed = await graph.request(REFRESH, { t: granted.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data!.refreshToken.scopes).toEqual(['USER_READ', 'DEVICES_READ']);
    expect(decodeJwt(refreshed.data!.refreshToken.accessToken)).toMatchObject({
      app: DEMO.app.id,
      via: 'oauth',
      scp: ['user:read', 'devices:read'],
      usr: DEMO.mainUser.id,
    });
    const me = await graph.request(`{ me { email } }`, {}, { token: refreshed.data!.refreshToken.accessToken });
    expect(me.data?.me).toEqual({ email: DEMO.mainUser.email });
  });

  it("stops an app's tokens when the consenting user's account is deactivated", async () => {
    const granted = await approve(ownerToken, ['USER_READ']);
    expect((await graph.request(`{ me { email } }`, {}, { token: granted.accessToken })).data?.me).toEqual({ email: DEMO.mainUser.email });
    await graph.request(STATUS, { input: { accountId: DEMO.account.id, active: false } }, { token: adminToken });
    try {
      await expect
        .poll(async () => (await graph.request(`{ me { email } }`, {}, { token: granted.accessToken })).errors?.[0]?.extensions?.code, {
          timeout: 15_000,
        })
        .toBe('UNAUTHENTICATED');
      const refreshed = await graph.request(REFRESH, { t: granted.refreshToken });
      expect(refreshed.data?.refreshToken ?? null).toBeNull();
    } finally {
      await graph.request(STATUS, { input: { accountId: DEMO.account.id, active: true } }, { token: adminToken });
      ownerToken = await graph.login();
    }
  });

  it('needs at least one scope', async () => {
    const none = await graph.request(AUTHORIZE, { input: { appId: DEMO.app.id, redirectUri, scopes: [], ...pkce } }, { token: ownerToken });
    expect(none.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.scopes' });
  });

  it('sends codes only to https:// or local http:// redirect URIs, at registration and at authorization', async () => {
    for (const uri of [
      'javascript:alert(document.cookie)',
      'data:text/html,<script>1</script>',
      'http://evil.test/cb',
      'myapp://callback',
      'https://user:pass@evil.test/cb',
    ]) {
      const authorized = await graph.request(
        AUTHORIZE,
        { input: { appId: DEMO.app.id, redirectUri: uri, scopes: ['USER_READ'], ...pkce } },
        { token: ownerToken },
      );
      expect(authorized.errors?.[0]?.extensions, uri).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.redirectUri' });
      expect(authorized.errors?.[0]?.message).toMatch(/https:\/\//);
    }
    // An app registered before the rule, holding such a URI, cannot use it either.
    const legacy = 'javascript:alert(document.domain)//';
    const before = await graph.database.prisma.app.findUniqueOrThrow({ where: { id: DEMO.app.id } });
    await graph.database.prisma.app.update({ where: { id: DEMO.app.id }, data: { redirectUris: [...before.redirectUris, legacy] } });
    try {
      const authorized = await graph.request(
        AUTHORIZE,
        { input: { appId: DEMO.app.id, redirectUri: legacy, scopes: ['USER_READ'], ...pkce } },
        { token: ownerToken },
      );
      expect(authorized.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.redirectUri' });
      expect(authorized.data?.authorizeApp ?? null).toBeNull();
    } finally {
      await graph.database.prisma.app.update({ where: { id: DEMO.app.id }, data: { redirectUris: before.redirectUris } });
    }
    const REGISTER = `mutation($input: RegisterAppInput!) { registerApp(input: $input) { app { id redirectUris } } }`;
    const app = (redirectUris: string[]) => ({ input: { name: 'OAuth client', platform: 'HTML5', kind: 'TRIAL', redirectUris } });
    const refused = await graph.request(REGISTER, app(['https://ok.example/cb', 'javascript:alert(1)']), { token: ownerToken });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.redirectUris.1' });
    const accepted = await graph.request(REGISTER, app(['https://ok.example/cb', 'http://localhost:5173/cb', 'http://127.0.0.1/cb']), {
      token: ownerToken,
    });
    expect(accepted.errors).toBeUndefined();
  });
});
