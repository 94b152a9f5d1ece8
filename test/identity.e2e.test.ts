import { createHash, randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { signWebhook } from '@iris/identity';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { latestCode } from './support/outbox.js';
import { createTenant } from './support/tenants.js';

const STRONG = 'quiet-harbor-lantern-917';
const OIDC_ISSUER = 'https://id.example.test';
let oidcKeys: Awaited<ReturnType<typeof generateKeyPair>>;
let graph: TestGraph;
let demoToken: string;
let adminToken: string;

const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;
const uniqueEmail = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.test`;

beforeAll(async () => {
  oidcKeys = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(oidcKeys.publicKey)), kid: 'test-key', alg: 'RS256' };
  graph = await startTestGraph({
    OIDC_PROVIDERS: JSON.stringify([{ issuer: OIDC_ISSUER, audience: 'iris-test', jwks: { keys: [jwk] } }]),
    LOGIN_MAX_FAILURES: '3',
  });
  demoToken = await graph.login();
  adminToken = await graph.login(DEMO.adminUser.email);
});
afterAll(() => graph?.stop());

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { account { id active name } user { id email role } } }`;
const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken expiresAt user { email } } }`;
const VERIFY = `mutation($input: VerifyRegistrationInput!) { verifyRegistration(input: $input) { id active } }`;

async function registerAndVerify(email = uniqueEmail('owner')) {
  const registered = await graph.request(REGISTER, { input: { email, password: STRONG, accountName: 'Acme Cameras' } });
  expect(registered.errors).toBeUndefined();
  await graph.request(VERIFY, { input: { email, code: await latestCode(graph, email) } });
  const login = await graph.request(LOGIN, { input: { email, password: STRONG } });
  return {
    email,
    accountId: registered.data!.register.account.id as string,
    ...(login.data!.login as { accessToken: string; refreshToken: string }),
  };
}

describe('registration and verification', () => {
  it('creates an inactive account that signs in only after the emailed code is verified', async () => {
    const email = uniqueEmail('new');
    const registered = await graph.request(REGISTER, { input: { email, password: STRONG, accountName: 'Acme Cameras' } });
    expect(registered.data!.register).toMatchObject({ account: { active: false, name: 'Acme Cameras' }, user: { email, role: 'MAIN' } });

    expect(codeOf(await graph.request(LOGIN, { input: { email, password: STRONG } }))).toBe('FORBIDDEN');
    const wrong = await graph.request(VERIFY, {
      input: { email, code: '000000' === (await latestCode(graph, email)) ? '111111' : '000000' },
    });
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.code' });

    const verified = await graph.request(VERIFY, { input: { email, code: await latestCode(graph, email) } });
    expect(verified.data!.verifyRegistration.active).toBe(true);
    const login = await graph.request(LOGIN, { input: { email, password: STRONG } });
    expect(login.data!.login.user.email).toBe(email);
  });

  it('refuses a weak password with the estimator feedback, and a taken email', async () => {
    const weak = await graph.request(REGISTER, { input: { email: uniqueEmail('weak'), password: 'password1', accountName: 'Weak' } });
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password', rating: expect.any(String) });
    expect(weak.errors?.[0]?.message).toMatch(/must be STRONG or better/);
    const taken = await graph.request(REGISTER, { input: { email: DEMO.mainUser.email, password: STRONG, accountName: 'Dup' } });
    expect(codeOf(taken)).toBe('CONFLICT');
    const strength = await graph.request(`{ passwordStrength(password: "password1") { score rating acceptable suggestions } }`);
    expect(strength.data!.passwordStrength).toMatchObject({ acceptable: false, rating: expect.stringMatching(/WEAK/) });
  });

  it('kills a code after too many wrong guesses, and limits how many codes are sent', async () => {
    const email = uniqueEmail('guess');
    await graph.request(REGISTER, { input: { email, password: STRONG, accountName: 'Guess' } });
    const code = await latestCode(graph, email);
    const wrongCode = code === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) await graph.request(VERIFY, { input: { email, code: wrongCode } });
    const late = await graph.request(VERIFY, { input: { email, code } });
    expect(codeOf(late)).toBe('BAD_USER_INPUT');

    const send = `mutation($input: SendVerificationCodeInput!) { sendVerificationCode(input: $input) { accepted } }`;
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await graph.request(send, { input: { email, purpose: 'REGISTRATION' } }));
    expect(results.slice(0, 4).every((r) => r.data?.sendVerificationCode.accepted)).toBe(true);
    expect(results[4]!.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    // And the freshest code does verify.
    expect((await graph.request(VERIFY, { input: { email, code: await latestCode(graph, email) } })).data!.verifyRegistration.active).toBe(
      true,
    );
  });
});

describe('sign-in', () => {
  it('rotates refresh tokens and ends the whole session when an old one is reused', async () => {
    const session = await registerAndVerify();
    const REFRESH = `mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken refreshToken } }`;
    const first = await graph.request(REFRESH, { input: { refreshToken: session.refreshToken } });
    const rotated = first.data!.refreshToken;
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    expect((await graph.request(`{ me { email } }`, {}, { token: rotated.accessToken })).data!.me.email).toBe(session.email);

    const reuse = await graph.request(REFRESH, { input: { refreshToken: session.refreshToken } });
    expect(reuse.errors?.[0]?.message).toMatch(/already used/);
    const afterReuse = await graph.request(REFRESH, { input: { refreshToken: rotated.refreshToken } });
    expect(codeOf(afterReuse)).toBe('UNAUTHENTICATED');
  });

  it('logs out by ending the session of a refresh token', async () => {
    const session = await registerAndVerify();
    const out = await graph.request(`mutation($t: String!) { logout(input: { refreshToken: $t }) { revoked } }`, {
      t: session.refreshToken,
    });
    expect(out.data!.logout.revoked).toBe(true);
    const refresh = await graph.request(`mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken } }`, {
      t: session.refreshToken,
    });
    expect(codeOf(refresh)).toBe('UNAUTHENTICATED');
  });

  it('locks an email after repeated failures, known or unknown, with a retry hint', async () => {
    for (const email of [DEMO.adminUser.email, uniqueEmail('nobody')]) {
      for (let i = 0; i < 3; i++)
        expect(codeOf(await graph.request(LOGIN, { input: { email, password: 'wrong-password' } }))).toBe('UNAUTHENTICATED');
      const locked = await graph.request(LOGIN, { input: { email, password: 'wrong-password' } });
      expect(locked.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    }
    // Even the right password waits out the lock.
    expect(codeOf(await graph.request(LOGIN, { input: { email: DEMO.adminUser.email, password: DEMO.password } }))).toBe('RATE_LIMITED');
    graph.clock.advance(graph.config.LOGIN_LOCK_SECONDS * 1000 + 1000);
    try {
      expect((await graph.request(LOGIN, { input: { email: DEMO.adminUser.email, password: DEMO.password } })).data!.login.user.email).toBe(
        DEMO.adminUser.email,
      );
    } finally {
      graph.clock.advance(-(graph.config.LOGIN_LOCK_SECONDS * 1000 + 1000));
    }
  });

  it('accepts a one-time login token once, within its lifetime', async () => {
    const CREATE = `mutation { createLoginToken { token expiresAt } }`;
    const USE = `mutation($t: String!) { loginWithToken(input: { token: $t }) { user { email } } }`;
    const { token } = (await graph.request(CREATE, {}, { token: demoToken })).data!.createLoginToken;
    expect((await graph.request(USE, { t: token })).data!.loginWithToken.user.email).toBe(DEMO.mainUser.email);
    expect(codeOf(await graph.request(USE, { t: token }))).toBe('UNAUTHENTICATED');

    const late = (await graph.request(CREATE, {}, { token: demoToken })).data!.createLoginToken.token;
    graph.clock.advance(91_000);
    try {
      expect(codeOf(await graph.request(USE, { t: late }))).toBe('UNAUTHENTICATED');
    } finally {
      graph.clock.advance(-91_000);
    }
  });

  it('signs in with an OpenID Connect ID token from a configured issuer, and refuses others', async () => {
    const email = uniqueEmail('oidc');
    const idToken = (claims: Record<string, unknown>, audience = 'iris-test', key = oidcKeys.privateKey, issuer = OIDC_ISSUER) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject('provider-user-1')
        .setIssuedAt(Math.floor(graph.clock.now().getTime() / 1000))
        .setExpirationTime(Math.floor(graph.clock.now().getTime() / 1000) + 300)
        .sign(key);
    const LOGIN_OIDC = `mutation($t: String!) { loginWithIdToken(input: { idToken: $t }) { accessToken user { email role } } }`;
    const first = await graph.request(LOGIN_OIDC, { t: await idToken({ email, email_verified: true, name: 'Ida' }) });
    expect(first.data!.loginWithIdToken.user).toEqual({ email, role: 'MAIN' });
    const again = await graph.request(LOGIN_OIDC, { t: await idToken({ email, email_verified: true }) });
    expect(again.data!.loginWithIdToken.user.email).toBe(email);

    expect(codeOf(await graph.request(LOGIN_OIDC, { t: await idToken({ email }, 'someone-else') }))).toBe('UNAUTHENTICATED');
    const stranger = await generateKeyPair('RS256');
    expect(codeOf(await graph.request(LOGIN_OIDC, { t: await idToken({ email }, 'iris-test', stranger.privateKey) }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      codeOf(await graph.request(LOGIN_OIDC, { t: await idToken({ email }, 'iris-test', oidcKeys.privateKey, 'https://evil.test') })),
    ).toBe('UNAUTHENTICATED');
    expect(codeOf(await graph.request(LOGIN_OIDC, { t: 'not.a.jwt' }))).toBe('BAD_USER_INPUT');
  });

  it('lets an app obtain tokens with an authorization code and its PKCE verifier, once', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const AUTHORIZE = `mutation($input: AuthorizeAppInput!) { authorizeApp(input: $input) { code redirectTo } }`;
    const input = {
      appId: DEMO.app.id,
      redirectUri: 'http://localhost:3000/callback',
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state: 'xyz',
      scopes: ['USER_READ'],
    };
    const { code, redirectTo } = (await graph.request(AUTHORIZE, { input }, { token: demoToken })).data!.authorizeApp;
    expect(new URL(redirectTo).searchParams.get('state')).toBe('xyz');

    const EXCHANGE = `mutation($input: ExchangeAuthorizationCodeInput!) { exchangeAuthorizationCode(input: $input) { accessToken user { email } } }`;
    const exchange = { appId: DEMO.app.id, code, redirectUri: input.redirectUri };
    expect(codeOf(await graph.request(EXCHANGE, { input: { ...exchange, codeVerifier: randomBytes(32).toString('base64url') } }))).toBe(
      'UNAUTHENTICATED',
    );
    // A failed exchange used the code up as well: codes are single use, whatever happens.
    expect(codeOf(await graph.request(EXCHANGE, { input: { ...exchange, codeVerifier: verifier } }))).toBe('UNAUTHENTICATED');

    const second = (await graph.request(AUTHORIZE, { input }, { token: demoToken })).data!.authorizeApp.code;
    const ok = await graph.request(EXCHANGE, { input: { ...exchange, code: second, codeVerifier: verifier } });
    expect(ok.data!.exchangeAuthorizationCode.user.email).toBe(DEMO.mainUser.email);

    const badRedirect = await graph.request(AUTHORIZE, { input: { ...input, redirectUri: 'https://evil.test/cb' } }, { token: demoToken });
    expect(badRedirect.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.redirectUri' });
  });
});

describe('passwords', () => {
  it('changes a password with the current one and ends the other sessions, their access tokens at once', async () => {
    const session = await registerAndVerify();
    const other = (await graph.request(LOGIN, { input: { email: session.email, password: STRONG } })).data!.login as {
      accessToken: string;
      refreshToken: string;
    };
    const CHANGE = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { user { email } } }`;
    const wrong = await graph.request(
      CHANGE,
      { input: { currentPassword: 'nope', newPassword: 'another-lantern-harbor-552' } },
      { token: session.accessToken },
    );
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.currentPassword' });
    const changed = await graph.request(
      CHANGE,
      { input: { currentPassword: STRONG, newPassword: 'another-lantern-harbor-552' } },
      { token: session.accessToken },
    );
    expect(changed.errors).toBeUndefined();
    const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken } }`;
    expect(codeOf(await graph.request(REFRESH, { t: other.refreshToken }))).toBe('UNAUTHENTICATED');
    await graph.bus.drain();
    const otherMe = await graph.request(`{ me { email } }`, {}, { token: other.accessToken });
    expect(otherMe.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' });
    // The session that changed it stays signed in.
    expect((await graph.request(`{ me { email } }`, {}, { token: session.accessToken })).data!.me.email).toBe(session.email);
    expect(codeOf(await graph.request(REFRESH, { t: session.refreshToken }))).toBeUndefined();
    expect(codeOf(await graph.request(LOGIN, { input: { email: session.email, password: STRONG } }))).toBe('UNAUTHENTICATED');
  });

  it('resets a forgotten password with an emailed code, answering unknown emails the same', async () => {
    const session = await registerAndVerify();
    const REQUEST = `mutation($e: String!) { requestPasswordReset(input: { email: $e }) { accepted expiresInSeconds } }`;
    const known = await graph.request(REQUEST, { e: session.email });
    const unknown = await graph.request(REQUEST, { e: uniqueEmail('ghost') });
    expect(known).toEqual(unknown);
    const RESET = `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { user { email } } }`;
    const code = await latestCode(graph, session.email);
    const weak = await graph.request(RESET, { input: { email: session.email, code, newPassword: 'abc' } });
    expect(codeOf(weak)).toBe('BAD_USER_INPUT');
    const reset = await graph.request(RESET, { input: { email: session.email, code, newPassword: 'river-copper-violet-303' } });
    expect(reset.data!.resetPassword.user.email).toBe(session.email);
    expect((await graph.request(LOGIN, { input: { email: session.email, password: 'river-copper-violet-303' } })).data!.login).toBeTruthy();
  });
});

describe('accounts and members', () => {
  it('lets the main user edit contact details and payment conditions, and add and remove members', async () => {
    const owner = await registerAndVerify();
    const UPDATE = `mutation($input: UpdateAccountInput!) { updateAccount(input: $input) { phone paymentConditions { method billingAddress } } }`;
    const updated = await graph.request(
      UPDATE,
      { input: { accountId: owner.accountId, phone: '+44 20 7946 0000', paymentMethod: 'INVOICE', billingAddress: '1 High St' } },
      { token: owner.accessToken },
    );
    expect(updated.data!.updateAccount).toEqual({
      phone: '+44 20 7946 0000',
      paymentConditions: { method: 'INVOICE', billingAddress: '1 High St' },
    });
    const badPhone = await graph.request(UPDATE, { input: { accountId: owner.accountId, phone: 'call me' } }, { token: owner.accessToken });
    expect(badPhone.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.phone' });

    const memberEmail = uniqueEmail('member');
    const added = await graph.request(
      `mutation($e: String!) { addMember(input: { email: $e, displayName: "Mia" }) { id role } }`,
      { e: memberEmail },
      { token: owner.accessToken },
    );
    expect(added.data!.addMember.role).toBe('MEMBER');
    await graph.request(`mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { user { id } } }`, {
      input: { email: memberEmail, code: await latestCode(graph, memberEmail), newPassword: 'member-chooses-this-881' },
    });
    const memberToken = (await graph.request(LOGIN, { input: { email: memberEmail, password: 'member-chooses-this-881' } })).data!.login
      .accessToken;
    expect(codeOf(await graph.request(UPDATE, { input: { accountId: owner.accountId, name: 'Mine now' } }, { token: memberToken }))).toBe(
      'FORBIDDEN',
    );

    const users = await graph.request(`{ me { account { users { totalCount nodes { email role } } } } }`, {}, { token: owner.accessToken });
    expect(users.data!.me.account.users.nodes).toEqual([
      { email: owner.email, role: 'MAIN' },
      { email: memberEmail, role: 'MEMBER' },
    ]);
    const removed = await graph.request(
      `mutation($id: ID!) { removeMember(input: { userId: $id }) { removedUserId } }`,
      { id: added.data!.addMember.id },
      { token: owner.accessToken },
    );
    expect(removed.data!.removeMember.removedUserId).toBe(added.data!.addMember.id);
    // The removed member's token is refused at once, not when it expires.
    await graph.bus.drain();
    expect((await graph.request(`{ me { email } }`, {}, { token: memberToken })).errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'TOKEN_REVOKED',
    });
  });

  it('lets a service admin deactivate an account, which stops its sign-ins, and add an account to an app', async () => {
    const owner = await registerAndVerify();
    const STATUS = `mutation($input: SetAccountStatusInput!) { setAccountStatus(input: $input) { active } }`;
    expect(
      codeOf(await graph.request(STATUS, { input: { accountId: owner.accountId, active: false } }, { token: owner.accessToken })),
    ).toBe('FORBIDDEN');
    expect(
      (await graph.request(STATUS, { input: { accountId: owner.accountId, active: false } }, { token: adminToken })).data!.setAccountStatus
        .active,
    ).toBe(false);
    expect(codeOf(await graph.request(LOGIN, { input: { email: owner.email, password: STRONG } }))).toBe('FORBIDDEN');

    const email = uniqueEmail('linked');
    const ADD = `mutation($input: AddAccountToAppInput!) { addAccountToApp(input: $input) { account { name active } user { role } } }`;
    const added = await graph.request(ADD, { input: { appId: DEMO.app.id, accountName: 'Linked Co', email } }, { token: adminToken });
    expect(added.data!.addAccountToApp).toEqual({ account: { name: 'Linked Co', active: false }, user: { role: 'MAIN' } });
    expect(await latestCode(graph, email)).toMatch(/^\d{6}$/);
  });
});

describe('apps and API keys', () => {
  it('registers an app with a key shown once, and lets an API key read its own app through the gateway', async () => {
    const owner = await registerAndVerify();
    const REGISTER_APP = `mutation($input: RegisterAppInput!) { registerApp(input: $input) { appKey app { id name platform kind active } } }`;
    const registered = await graph.request(
      REGISTER_APP,
      { input: { id: `cam-${randomBytes(3).toString('hex')}`, name: 'Cam App', platform: 'IOS', kind: 'PURCHASED' } },
      { token: owner.accessToken },
    );
    const { app, appKey } = registered.data!.registerApp;
    expect(appKey).toMatch(/^iak_/);
    const row = await graph.database.prisma.app.findUnique({ where: { id: app.id } });
    expect(row!.keyHash).not.toContain(appKey);

    const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id prefix scopes } } }`;
    const created = (
      await graph.request(
        CREATE_KEY,
        { input: { appId: app.id, name: 'backend', scopes: ['PROFILES_READ'] } },
        { token: owner.accessToken },
      )
    ).data!.createApiKey;
    expect(created.apiKey.scopes).toEqual(['PROFILES_READ']);
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);

    const asKey = (query: string, variables = {}) => graph.request(query, variables, { headers: { api_key: created.secret } });
    expect((await asKey(`query($id: ID!) { app(id: $id) { name } }`, { id: app.id })).data!.app.name).toBe('Cam App');
    expect((await asKey(`query($id: ID!) { app(id: $id) { name } }`, { id: DEMO.app.id })).data!.app).toBeNull();
    expect(codeOf(await asKey(`{ me { email } }`))).toBe('FORBIDDEN');
    expect(codeOf(await graph.request(`{ app(id: "x") { name } }`, {}, { headers: { api_key: 'iris_wrong' } }))).toBe('UNAUTHENTICATED');

    const keys = await graph.request(
      `query($id: ID!) { app(id: $id) { apiKeys { nodes { name lastUsedAt } } } }`,
      { id: app.id },
      { token: owner.accessToken },
    );
    expect(keys.data!.app.apiKeys.nodes[0]).toMatchObject({ name: 'backend', lastUsedAt: expect.any(String) });

    await graph.request(
      `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { revokedAt } }`,
      { id: created.apiKey.id },
      { token: owner.accessToken },
    );
    const exchange = await graph.request(
      `mutation($k: String!) { exchangeApiKey(input: { apiKey: $k }) { accessToken } }`,
      { k: created.secret },
      { url: graph.subgraphs.identity.url },
    );
    expect(codeOf(exchange)).toBe('UNAUTHENTICATED');
    // The exchange is internal: the public graph does not offer it.
    expect(codeOf(await graph.request(`mutation { exchangeApiKey(input: { apiKey: "x" }) { accessToken } }`))).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  it('keeps app status and key rotation to service admins, and a rotated key replaces the old one', async () => {
    const ROTATE = `mutation($id: ID!) { rotateAppKey(input: { id: $id }) { appKey } }`;
    expect(codeOf(await graph.request(ROTATE, { id: DEMO.app.id }, { token: demoToken }))).toBe('FORBIDDEN');
    const before = (await graph.database.prisma.app.findUnique({ where: { id: DEMO.app.id } }))!.keyHash;
    const rotated = await graph.request(ROTATE, { id: DEMO.app.id }, { token: adminToken });
    expect(rotated.data!.rotateAppKey.appKey).toMatch(/^iak_/);
    expect((await graph.database.prisma.app.findUnique({ where: { id: DEMO.app.id } }))!.keyHash).not.toBe(before);
    const status = await graph.request(
      `mutation { setAppStatus(input: { id: "demo-app", active: true }) { active } }`,
      {},
      { token: adminToken },
    );
    expect(status.data!.setAppStatus.active).toBe(true);
  });
});

describe('storage plans and orders', () => {
  it('moves an order to PAID on a signed payment callback, once, and sets the account plan', async () => {
    const owner = await registerAndVerify();
    const plans = (await graph.request(`{ retentionPlans { id name retentionDays priceCents } }`)).data!.retentionPlans;
    const standard = plans.find((p: { name: string }) => p.name === 'Standard');
    const order = (
      await graph.request(
        `mutation($p: ID!) { orderRetentionPlan(input: { planId: $p }) { id status amountCents } }`,
        { p: standard.id },
        { token: owner.accessToken },
      )
    ).data!.orderRetentionPlan;
    expect(order).toMatchObject({ status: 'PENDING', amountCents: 999 });

    const changes: unknown[] = [];
    const stop = graph.bus.subscribe('account.retentionPlanChanged', (e) => void changes.push(e.payload));
    const webhook = graph.url.replace(/\/graphql$/, '/webhooks/payments');
    const now = Math.floor(graph.clock.now().getTime() / 1000);
    const send = (body: string, signature: string) =>
      fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-iris-signature': signature }, body });
    const body = JSON.stringify({ id: `evt_${randomBytes(4).toString('hex')}`, orderId: order.id, status: 'PAID' });
    const secret = graph.config.PAYMENT_WEBHOOK_SECRET;

    expect((await send(body, signWebhook('wrong-secret-wrong-secret', body, now))).status).toBe(401);
    expect((await send(body, signWebhook(secret, body, now - 3_600))).status).toBe(400);
    expect((await send(body, 'nonsense')).status).toBe(400);
    const first = await send(body, signWebhook(secret, body, now));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, applied: true, orderStatus: 'PAID' });
    const replay = await send(body, signWebhook(secret, body, now));
    expect(await replay.json()).toEqual({ received: true, applied: false, orderStatus: 'PAID' });

    await graph.bus.drain();
    stop();
    expect(changes).toEqual([{ accountId: owner.accountId, planId: standard.id, retentionDays: 30 }]);
    const account = await graph.request(
      `{ me { account { retentionPlan { name } orders { nodes { status plan { name } } } } } }`,
      {},
      { token: owner.accessToken },
    );
    expect(account.data!.me.account).toEqual({
      retentionPlan: { name: 'Standard' },
      orders: { nodes: [{ status: 'PAID', plan: { name: 'Standard' } }] },
    });
    const all = await graph.request(`{ orders(status: PAID) { totalCount } }`, {}, { token: adminToken });
    expect(all.data!.orders.totalCount).toBeGreaterThanOrEqual(1);
  });

  it('lets only service admins add and withdraw plans, with validated input', async () => {
    const CREATE = `mutation($input: CreateRetentionPlanInput!) { createRetentionPlan(input: $input) { id name } }`;
    const input = { name: 'Archive', retentionDays: 365, storageGb: 5000, priceCents: 19900, currency: 'EUR' };
    expect(codeOf(await graph.request(CREATE, { input }, { token: demoToken }))).toBe('FORBIDDEN');
    expect(
      (await graph.request(CREATE, { input: { ...input, currency: 'euro' } }, { token: adminToken })).errors?.[0]?.extensions,
    ).toMatchObject({ field: 'input.currency' });
    const plan = (await graph.request(CREATE, { input }, { token: adminToken })).data!.createRetentionPlan;
    await graph.request(`mutation($id: ID!) { deleteRetentionPlan(input: { id: $id }) { id } }`, { id: plan.id }, { token: adminToken });
    const offered = (await graph.request(`{ retentionPlans { name } }`)).data!.retentionPlans.map((p: { name: string }) => p.name);
    expect(offered).not.toContain('Archive');
  });
});

describe('tenancy across every identity operation', () => {
  it("refuses another tenant's account, app, orders, members and keys", async () => {
    const other = await createTenant(graph, 'Intruder');
    const as = (query: string, variables: Record<string, unknown> = {}) => graph.request(query, variables, { token: other.token });
    const demoOrder = await graph.database.prisma.order.create({
      data: { accountId: DEMO.account.id, planId: '0190a000-0000-7000-8000-000000000402', amountCents: 999, currency: 'USD' },
    });
    const demoKey = await graph.database.prisma.apiKey.create({
      data: {
        appId: DEMO.app.id,
        accountId: DEMO.account.id,
        name: 'demo',
        prefix: 'iris_x',
        secretHash: randomBytes(16).toString('hex'),
        scopes: ['profiles:read'],
      },
    });

    expect((await as(`query($id: ID!) { account(id: $id) { name } }`, { id: DEMO.account.id })).data!.account).toBeNull();
    expect((await as(`{ accountOfApp(appId: "demo-app") { name } }`)).data!.accountOfApp).toBeNull();
    expect((await as(`{ app(id: "demo-app") { name } }`)).data!.app).toBeNull();
    expect((await as(`query($id: ID!) { order(id: $id) { status } }`, { id: demoOrder.id })).data!.order).toBeNull();
    expect(codeOf(await as(`{ orders { totalCount } }`))).toBe('FORBIDDEN');

    const denied: [string, Record<string, unknown>][] = [
      [`mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { name } }`, { i: { accountId: DEMO.account.id, name: 'Taken' } }],
      [
        `mutation($i: SetAccountStatusInput!) { setAccountStatus(input: $i) { active } }`,
        { i: { accountId: DEMO.account.id, active: false } },
      ],
      [`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { userId: DEMO.mainUser.id } }],
      [`mutation($i: UpdateAppInput!) { updateApp(input: $i) { name } }`, { i: { id: DEMO.app.id, name: 'Taken' } }],
      [`mutation($i: SetAppStatusInput!) { setAppStatus(input: $i) { active } }`, { i: { id: DEMO.app.id, active: false } }],
      [`mutation($i: RotateAppKeyInput!) { rotateAppKey(input: $i) { appKey } }`, { i: { id: DEMO.app.id } }],
      [
        `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`,
        { i: { appId: DEMO.app.id, name: 'x', scopes: ['PROFILES_READ'] } },
      ],
      [`mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { id } }`, { i: { id: demoKey.id } }],
      [
        `mutation($i: OrderRetentionPlanInput!) { orderRetentionPlan(input: $i) { id } }`,
        { i: { planId: '0190a000-0000-7000-8000-000000000402', accountId: DEMO.account.id } },
      ],
      [
        `mutation($i: AddAccountToAppInput!) { addAccountToApp(input: $i) { user { id } } }`,
        { i: { appId: DEMO.app.id, accountName: 'x', email: uniqueEmail('x') } },
      ],
      [
        `mutation($i: CreateRetentionPlanInput!) { createRetentionPlan(input: $i) { id } }`,
        { i: { name: 'x', retentionDays: 1, storageGb: 1, priceCents: 1, currency: 'USD' } },
      ],
      [
        `mutation($i: DeleteRetentionPlanInput!) { deleteRetentionPlan(input: $i) { id } }`,
        { i: { id: '0190a000-0000-7000-8000-000000000401' } },
      ],
    ];
    for (const [query, variables] of denied) {
      const result = await as(query, variables);
      expect(['FORBIDDEN', 'NOT_FOUND'], query).toContain(codeOf(result));
    }
    const demo = await graph.database.prisma.account.findUnique({ where: { id: DEMO.account.id } });
    expect(demo).toMatchObject({ name: DEMO.account.name, active: true });
    expect(await graph.database.prisma.apiKey.findUnique({ where: { id: demoKey.id } })).toMatchObject({ revokedAt: null });
    expect(await graph.database.prisma.user.count({ where: { id: DEMO.mainUser.id } })).toBe(1);
  });

  it('answers identity called directly without a token with nothing', async () => {
    const direct = await graph.request(
      `{ me { email } account(id: "${DEMO.account.id}") { name } }`,
      {},
      { url: graph.subgraphs.identity.url },
    );
    expect(direct.data).toEqual({ me: null, account: null });
    expect(direct.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
  });
});
