import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { DEMO, type InProcessEventBus } from '@iris/core';
import { buildSchema } from 'graphql';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`No Chromium at ${CHROMIUM} (install Debian's chromium package): the playground browser tests are skipped.`);
const ARTIFACTS = new URL('../test-results/', import.meta.url).pathname;
const SESSION_KEY = 'iris.playground.session';
/** Generous: the machine may be busy, and every wait below is for a condition, never a fixed time. */
const LONG = 45_000;

let graph: TestGraph;
let browser: Browser;
let base: string;

/** A fresh browser profile: nothing stored from an earlier visit. */
async function freshPage(
  setup?: (context: BrowserContext) => Promise<void>,
): Promise<{ context: BrowserContext; page: Page; requests: Request[] }> {
  const context = await browser.newContext();
  await setup?.(context);
  const page = await context.newPage();
  const requests: Request[] = [];
  context.on('request', (request) => requests.push(request));
  return { context, page, requests };
}

async function open(page: Page, path = '/') {
  await page.goto(`${base}${path}`);
  await page.locator('.graphiql-container').waitFor({ timeout: LONG });
}

/** Replaces the active tab's operation (through CodeMirror's own API: typing would auto-close brackets). */
async function setQuery(page: Page, query: string) {
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ timeout: LONG });
  await page.evaluate((text) => {
    const browserGlobals = globalThis as unknown as {
      document: { querySelector(selector: string): { CodeMirror: { setValue(v: string): void } } };
    };
    browserGlobals.document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text);
  }, query);
}

async function run(page: Page) {
  await page.locator('.graphiql-execute-button').click();
}

/** Waits until the result pane shows `text`, and returns all of it. */
async function resultShowing(page: Page, text: string | RegExp): Promise<string> {
  try {
    await page.locator('.result-window').getByText(text).first().waitFor({ timeout: LONG });
  } catch (error) {
    throw new Error(`The result pane never showed ${text}; it shows: ${await page.locator('.result-window').innerText()}`, {
      cause: error,
    });
  }
  return page.locator('.result-window').innerText();
}

async function signInWithForm(page: Page) {
  await page.getByLabel('Email').fill(DEMO.mainUser.email);
  await page.getByLabel('Password').fill(DEMO.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${DEMO.mainUser.email}`).waitFor({ timeout: LONG });
}

const storedSession = (page: Page) =>
  page.evaluate((key) => {
    const { localStorage } = globalThis as unknown as { localStorage: { getItem(key: string): string | null } };
    return JSON.parse(localStorage.getItem(key) ?? 'null') as { accessToken: string; refreshToken: string } | null;
  }, SESSION_KEY);

/** The operations the playground posted, by operation name. */
const posted = (requests: Request[], operationName: string) =>
  requests.filter((r) => r.method() === 'POST' && r.url() === `${base}/graphql` && String(r.postData()).includes(operationName));

/** No request carried the old editor's placeholder instead of a token. */
function expectNoPlaceholder(requests: Request[]) {
  expect(requests.map((r) => r.headers()['authorization'] ?? '').filter((value) => value.includes('<'))).toEqual([]);
}

describe.skipIf(!hasChromium)('the playground in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    graph = await startTestGraph();
    base = graph.url.replace(/\/graphql$/, '');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await graph?.stop();
  });

  it('loads with no outside network, runs the Sign in example and is then signed in', async () => {
    const { context, page, requests } = await freshPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' && consoleErrors.push(message.text())));
    await open(page);
    await run(page);
    const result = await resultShowing(page, 'accessToken');
    expect(result).toContain(DEMO.mainUser.email);
    // The example's answer signs the playground in: no token to copy anywhere.
    await page.getByText(`Signed in as ${DEMO.mainUser.email} (MAIN)`).waitFor({ timeout: LONG });
    expect((await storedSession(page))?.accessToken).toMatch(/^ey/);
    await page.screenshot({ path: `${ARTIFACTS}playground-sign-in.png` });
    expect(requests.map((r) => r.url()).filter((url) => !url.startsWith(base) && !url.startsWith('data:'))).toEqual([]);
    expectNoPlaceholder(requests);
    // A fresh profile sees nothing wrong in the console, not even a missing icon.
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('opens at /graphql for a browser, while GraphQL clients still get GraphQL there', async () => {
    const { context, page } = await freshPage();
    await open(page, '/graphql');
    await context.close();
    const api = await fetch(`${base}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('loads the schema: the Docs panel shows the descriptions of types and fields', async () => {
    const { context, page } = await freshPage();
    await open(page);
    await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    // The descriptions as the API schema has them (their plain text up to the first markup or full stop).
    const api = buildSchema(readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8'));
    const plainStart = (text: string | null | undefined) => text!.split(/[`*_.\n]/)[0]!.trim();
    await docs.getByText('Query', { exact: true }).first().click({ timeout: LONG });
    await docs.getByText(plainStart(api.getQueryType()!.getFields()['me']!.description)).first().waitFor({ timeout: LONG });
    // A field's type, and that type's own description.
    await docs.getByText('User', { exact: true }).first().click();
    await docs
      .getByText(plainStart(api.getType('User')!.description))
      .first()
      .waitFor({ timeout: LONG });
    await page.screenshot({ path: `${ARTIFACTS}playground-docs.png` });
    expect(await docs.innerText()).not.toMatch(/Error fetching schema/i);
    // With the schema loaded the editor checks what is typed: an unknown field is underlined.
    await setQuery(page, 'query Unknown { noSuchField }');
    await page.locator('.graphiql-query-editor .CodeMirror-lint-mark-error', { hasText: 'noSuchField' }).waitFor({ timeout: LONG });
    await context.close();
  });

  it('signs in once: a new tab and a second browser tab send the token without pasting', async () => {
    const { context, page, requests } = await freshPage();
    await open(page);
    await signInWithForm(page);
    const { accessToken } = (await storedSession(page))!;

    await page.getByRole('button', { name: 'Add tab' }).click();
    await setQuery(page, 'query WhoAmI { me { email displayName } }');
    await run(page);
    expect(await resultShowing(page, DEMO.mainUser.displayName)).toContain(DEMO.mainUser.email);
    expect(posted(requests, 'WhoAmI').map((r) => r.headers()['authorization'])).toEqual([`Bearer ${accessToken}`]);

    // Another browser tab of the same profile is signed in too.
    const second = await context.newPage();
    await open(second);
    await second.getByText(`Signed in as ${DEMO.mainUser.email}`).waitFor({ timeout: LONG });
    await setQuery(second, 'query WhoAmIAgain { me { displayName } }');
    await run(second);
    await resultShowing(second, DEMO.mainUser.displayName);
    expectNoPlaceholder(requests);
    await context.close();
  });

  it("runs a subscription with the session's token and shows the mark a capture makes", async () => {
    const { context, page, requests } = await freshPage();
    const query = `subscription LiveMarks { deviceMarkCreated { faceCount device { name } analysis { faces { expression { label } } } } }`;
    await open(page, `/?query=${encodeURIComponent(query)}`);
    await signInWithForm(page);
    const sockets: string[] = [];
    const received: string[] = [];
    page.on('websocket', (socket) => {
      socket.on('framesent', (frame) => sockets.push(String(frame.payload)));
      socket.on('framereceived', (frame) => received.push(String(frame.payload)));
    });
    // The in-process bus counts who listens for marks (on Redis, listeners are Redis subscriptions).
    const bus = graph.bus as Partial<InProcessEventBus>;
    const listening = () => bus.listenerCount?.('mark.created') ?? 0;
    const before = listening();
    await run(page);
    // The capture is uploaded once the gateway listens for this subscriber's marks.
    await expect.poll(() => received.some((frame) => frame.includes('connection_ack')), { timeout: LONG }).toBe(true);
    if (bus.listenerCount) await expect.poll(listening, { timeout: LONG }).toBeGreaterThan(before);
    const token = await graph.login();
    const portrait = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
    await graph.request(
      `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
      { i: { deviceId: DEMO.device.id, imageBase64: portrait } },
      { token },
    );
    expect(await resultShowing(page, 'HAPPY')).toContain(DEMO.device.name);
    const init = JSON.parse(sockets.find((frame) => frame.includes('connection_init'))!) as { payload: Record<string, string> };
    expect(init.payload.authorization).toBe(`Bearer ${(await storedSession(page))!.accessToken}`);
    await page.screenshot({ path: `${ARTIFACTS}playground-live-marks.png` });
    expectNoPlaceholder(requests);
    await context.close();
  });

  it('shows why a bad token is refused, over HTTP and over graphql-ws, and a typed header wins over the session', async () => {
    const { context, page } = await freshPage();
    await open(page);
    await signInWithForm(page);
    const headers = encodeURIComponent(JSON.stringify({ Authorization: 'Bearer not-a-token' }));
    await open(page, `/?query=${encodeURIComponent('query Me { me { email } }')}&headers=${headers}`);
    await run(page);
    expect(await resultShowing(page, 'TOKEN_INVALID')).toContain('UNAUTHENTICATED');

    await open(page, `/?query=${encodeURIComponent('subscription Live { deviceMarkCreated { id } }')}&headers=${headers}`);
    await run(page);
    // The socket closes with 4403 and `TOKEN_INVALID: …`; the result pane shows it as a GraphQL error.
    const refused = await resultShowing(page, /"reason": "TOKEN_INVALID"/);
    expect(refused).not.toContain('isTrusted');
    expect(refused).toMatch(/"message": "TOKEN_INVALID: [^"]+"/);
    expect(refused).toContain('"code": "UNAUTHENTICATED"');
    expect(refused).toContain('"closeCode": 4403');
    await page.screenshot({ path: `${ARTIFACTS}playground-refused-subscription.png` });

    // An API key typed in the headers is sent alone: the session's token does not displace it.
    const requests: Request[] = [];
    page.on('request', (request) => requests.push(request));
    await open(
      page,
      `/?query=${encodeURIComponent('query AsApiKey { me { email } }')}&headers=${encodeURIComponent(JSON.stringify({ api_key: 'not-a-key' }))}`,
    );
    await run(page);
    await resultShowing(page, 'API_KEY_INVALID');
    expect(posted(requests, 'AsApiKey').map((r) => [r.headers()['api_key'], r.headers()['authorization']])).toEqual([
      ['not-a-key', undefined],
    ]);
    await context.close();
  });

  it('turns every way a graphql-ws subscription fails into GraphQL errors with a code, never {"isTrusted":true}', async () => {
    const { context, page } = await freshPage();
    await open(page);
    // Run as the page's own script: the test runner would rewrite a dynamic import in a function.
    type Failure = { errors: { message: string; extensions?: Record<string, unknown> }[] };
    const shown = await page.evaluate<
      Record<'expired' | 'forbidden' | 'bare' | 'lost' | 'unreachable' | 'refused', Failure>
    >(`(async () => {
      const { subscriptionFailure } = await import('/playground/assets/transport.js');
      const url = 'ws://example.test/graphql';
      return {
        expired: subscriptionFailure(new CloseEvent('close', { code: 4403, reason: 'TOKEN_EXPIRED: The access token expired: refresh it.' }), url),
        forbidden: subscriptionFailure(new CloseEvent('close', { code: 4403, reason: 'Forbidden' }), url),
        bare: subscriptionFailure(new CloseEvent('close', { code: 4403, reason: '' }), url),
        lost: subscriptionFailure(new CloseEvent('close', { code: 1006, reason: '' }), url),
        unreachable: subscriptionFailure(new Event('error'), url),
        refused: subscriptionFailure([{ message: 'You do not have access to this.', extensions: { code: 'FORBIDDEN' } }], url),
      };
    })()`);
    expect(shown.expired.errors).toEqual([
      {
        message: 'TOKEN_EXPIRED: The access token expired: refresh it.',
        extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED', closeCode: 4403 },
      },
    ]);
    expect(shown.forbidden.errors).toEqual([{ message: 'Forbidden', extensions: { code: 'FORBIDDEN', closeCode: 4403 } }]);
    expect(shown.bare.errors[0]!.message).toMatch(/refused the credentials.*4403/);
    expect(shown.lost.errors[0]!.extensions).toEqual({ code: 'NETWORK_ERROR', closeCode: 1006 });
    expect(shown.unreachable.errors[0]).toEqual({
      message: expect.stringContaining('ws://example.test/graphql'),
      extensions: { code: 'NETWORK_ERROR' },
    });
    expect(shown.refused.errors).toEqual([{ message: 'You do not have access to this.', extensions: { code: 'FORBIDDEN' } }]);
    expect(JSON.stringify(shown)).not.toContain('isTrusted');
    await context.close();
  });

  it('renews the token before it expires, once for all browser tabs', async () => {
    const { context, page, requests } = await freshPage((c) => c.clock.install());
    await open(page);
    await signInWithForm(page);
    const second = await context.newPage();
    await open(second);
    await second.getByText(`Signed in as ${DEMO.mainUser.email}`).waitFor({ timeout: LONG });
    const first = (await storedSession(page))!;
    // Fifteen-minute tokens are renewed in their last minute. Both tabs' timers fire; a refresh token
    // works once (a second use would end the session), so only one of them may redeem it.
    await context.clock.fastForward('14:30');
    await expect.poll(async () => (await storedSession(page))?.accessToken, { timeout: LONG }).not.toBe(first.accessToken);
    expect(posted(requests, 'PlaygroundRefresh')).toHaveLength(1);
    // The renewed token works in both tabs, and the session lives on.
    for (const [tab, name] of [
      [page, 'AfterRenewal'],
      [second, 'AfterRenewalElsewhere'],
    ] as const) {
      await setQuery(tab, `query ${name} { me { displayName } }`);
      await run(tab);
      await resultShowing(tab, DEMO.mainUser.displayName);
    }
    expect(posted(requests, 'PlaygroundRefresh')).toHaveLength(1);
    const { refreshToken } = (await storedSession(second))!;
    const renewal = await graph.request(`mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken } }`, {
      i: { refreshToken },
    });
    expect(renewal.errors).toBeUndefined();
    await context.close();
  });

  it('signs out in one click: the session ends on the server and the stores are cleared', async () => {
    const { context, page, requests } = await freshPage((c) => c.clock.install());
    await open(page);
    await signInWithForm(page);
    // Renewed once, so there is a hand-over between tabs to clear as well.
    const signedIn = (await storedSession(page))!;
    await context.clock.fastForward('14:30');
    await expect.poll(async () => (await storedSession(page))?.accessToken, { timeout: LONG }).not.toBe(signedIn.accessToken);
    const { refreshToken } = (await storedSession(page))!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: LONG });
    await expect.poll(() => posted(requests, 'PlaygroundSignOut').length, { timeout: LONG }).toBe(1);
    await expect
      .poll(
        () =>
          posted(requests, 'PlaygroundSignOut')[0]!
            .response()
            .then((r) => r?.json()),
        { timeout: LONG },
      )
      .toEqual({ data: { logout: { revoked: true } } });
    expect(await storedSession(page)).toBeNull();
    // Nor is a renewal's hand-over between browser tabs kept (IndexedDB).
    const handedOver = await page.evaluate(`new Promise((resolve) => {
      const request = indexedDB.open('iris-playground', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('rotation');
      request.onsuccess = () => {
        const read = request.result.transaction('rotation').objectStore('rotation').get('last');
        read.onsuccess = () => resolve(read.result ?? null);
      };
    })`);
    expect(handedOver).toBeNull();
    const reuse = await graph.request(`mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken } }`, {
      i: { refreshToken },
    });
    expect(reuse.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await setQuery(page, 'query SignedOut { me { email } }');
    await run(page);
    await resultShowing(page, 'CREDENTIALS_MISSING');
    // A refused sign-in says why, beside the form.
    await page.getByLabel('Email').fill(DEMO.mainUser.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('status')
      .getByText(/^Sign-in refused: .+ \([A-Z_]+\)$/)
      .waitFor({ timeout: LONG });
    expect(await storedSession(page)).toBeNull();
    await context.close();
  });

  it('forgets a session ended elsewhere (TOKEN_REVOKED) and asks to sign in again', async () => {
    const { context, page } = await freshPage();
    await open(page);
    await signInWithForm(page);
    const { accessToken, refreshToken } = (await storedSession(page))!;
    // Signed out from somewhere else: the session's tokens stop within seconds.
    await graph.request(`mutation($i: LogoutInput!) { logout(input: $i) { revoked } }`, { i: { refreshToken } });
    await expect
      .poll(async () => (await graph.request('{ me { email } }', {}, { token: accessToken })).errors?.[0]?.extensions?.reason, {
        timeout: LONG,
      })
      .toBe('TOKEN_REVOKED');
    await setQuery(page, 'query AfterLogoutElsewhere { me { email } }');
    await run(page);
    await resultShowing(page, 'TOKEN_REVOKED');
    await page.getByText(/Signed out: .*TOKEN_REVOKED/).waitFor({ timeout: LONG });
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: LONG });
    expect(await storedSession(page)).toBeNull();
    await context.close();
  });

  it('moves a subscription to a renewed token before the old one expires, and a mark made meanwhile still arrives', async () => {
    // Thirty-second tokens, the shortest the gateway allows: the playground renews them 7.5 s before expiry.
    const shortLived = await startTestGraph({ ACCESS_TOKEN_TTL_SECONDS: '30' });
    try {
      const token = await shortLived.login();
      const portrait = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
      /** Uploads a portrait and returns the id of the mark it made. */
      const markACapture = async () => {
        await shortLived.request(
          `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
          { i: { deviceId: DEMO.device.id, imageBase64: portrait } },
          { token },
        );
        await shortLived.settle();
        const marks = await shortLived.request<{ deviceMarks: { nodes: { id: string }[] } }>(
          `query($d: ID!) { deviceMarks(filter: { deviceId: $d }, orderBy: { field: CREATED_AT, direction: DESC }, first: 1) { nodes { id } } }`,
          { d: DEMO.device.id },
          { token },
        );
        return marks.data!.deviceMarks.nodes[0]!.id;
      };
      const { context, page } = await freshPage();
      // Every socket goes through here; the subscribe of a later connection is held until `release`.
      const sockets: { openedAt: number; sent: string[] }[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await page.routeWebSocket(/\/graphql$/, (socket) => {
        const server = socket.connectToServer();
        const seen = { openedAt: Date.now(), sent: [] as string[] };
        const later = sockets.push(seen) > 1;
        socket.onMessage(async (message) => {
          seen.sent.push(String(message));
          if (later && String(message).includes('"subscribe"')) await released;
          server.send(message);
        });
      });
      const query = 'subscription LiveAcrossRenewal { deviceMarkCreated { id faceCount device { name } } }';
      await page.goto(`${shortLived.url.replace(/\/graphql$/, '')}/?query=${encodeURIComponent(query)}`);
      await page.locator('.graphiql-container').waitFor({ timeout: LONG });
      await signInWithForm(page);
      const first = (await storedSession(page))!.accessToken;
      const expiresAt = (JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
      const bus = shortLived.bus as Partial<InProcessEventBus>;
      const before = bus.listenerCount?.('mark.created') ?? 0;
      await run(page);
      if (bus.listenerCount) await expect.poll(() => bus.listenerCount!('mark.created'), { timeout: LONG }).toBeGreaterThan(before);
      await resultShowing(page, await markACapture());

      // The token is renewed: a second connection with it, opened before the first token expired.
      await expect.poll(() => sockets[1]?.sent.some((frame) => frame.includes('"subscribe"')), { timeout: LONG }).toBe(true);
      expect(sockets[1]!.openedAt).toBeLessThan(expiresAt);
      const init = JSON.parse(sockets[1]!.sent.find((frame) => frame.includes('connection_init'))!) as { payload: Record<string, string> };
      expect(init.payload.authorization).toBe(`Bearer ${(await storedSession(page))!.accessToken}`);
      expect(init.payload.authorization).not.toBe(`Bearer ${first}`);
      // A mark made before the new connection subscribes is replayed to it (`after` the last one shown).
      const meanwhile = await markACapture();
      release();
      await resultShowing(page, meanwhile);
      await context.close();
    } finally {
      await shortLived.stop();
    }
  });

  // The last two move the graph's clock forward for good, past the expiry of the token they sign in with.
  it('renews the token when the gateway answers TOKEN_EXPIRED, and runs the query again', async () => {
    const { context, page, requests } = await freshPage();
    await open(page);
    await signInWithForm(page);
    graph.clock.advance(16 * 60_000);
    await setQuery(page, 'query AfterExpiry { me { displayName } }');
    await run(page);
    await resultShowing(page, DEMO.mainUser.displayName);
    expect(posted(requests, 'PlaygroundRefresh')).toHaveLength(1);
    expect(posted(requests, 'AfterExpiry')).toHaveLength(2);
    await context.close();
  });

  it('renews the token when the subscription socket is refused with TOKEN_EXPIRED, and subscribes again', async () => {
    const { context, page, requests } = await freshPage();
    const query = `subscription LiveAfterExpiry { deviceMarkCreated { faceCount analysis { faces { expression { label } } } } }`;
    await open(page, `/?query=${encodeURIComponent(query)}`);
    await signInWithForm(page);
    const stale = (await storedSession(page))!.accessToken;
    const inits: string[] = [];
    const received: string[] = [];
    page.on('websocket', (socket) => {
      socket.on('framesent', (frame) => String(frame.payload).includes('connection_init') && inits.push(String(frame.payload)));
      socket.on('framereceived', (frame) => received.push(String(frame.payload)));
    });
    const bus = graph.bus as Partial<InProcessEventBus>;
    const before = bus.listenerCount?.('mark.created') ?? 0;
    graph.clock.advance(16 * 60_000);
    await run(page);
    await expect.poll(() => received.some((frame) => frame.includes('connection_ack')), { timeout: LONG }).toBe(true);
    expect(posted(requests, 'PlaygroundRefresh')).toHaveLength(1);
    const renewed = (await storedSession(page))!.accessToken;
    expect(inits.map((frame) => (JSON.parse(frame) as { payload: { authorization: string } }).payload.authorization)).toEqual([
      `Bearer ${stale}`,
      `Bearer ${renewed}`,
    ]);
    if (bus.listenerCount) await expect.poll(() => bus.listenerCount!('mark.created'), { timeout: LONG }).toBeGreaterThan(before);
    const portrait = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
    await graph.request(
      `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
      { i: { deviceId: DEMO.device.id, imageBase64: portrait } },
      { token: await graph.login() },
    );
    await resultShowing(page, 'HAPPY');
    await context.close();
  });
});
