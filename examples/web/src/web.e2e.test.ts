import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO } from '@iris/core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from '../../../test/support/graph.js';
import type { Session } from './session.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`No Chromium at ${CHROMIUM} (install Debian's chromium package): the web example's browser test is skipped.`);

const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORTRAIT = fileURLToPath(new URL('../../../test/fixtures/images/astronaut.png', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../../test-results/', import.meta.url));
/** Short-lived access tokens, so the page refreshes its session (and reopens its socket) during the test. */
const ACCESS_TOKEN_TTL_SECONDS = 30;
const PAGE_SIZE = 2;

let graph: TestGraph;
let app: PreviewServer;
let appUrl: string;
let outDir: string;
let browser: Browser;

/** The ids of the marks the page lists, in order. */
const listedMarks = (page: Page) =>
  page.locator('ol[aria-label="Marks"] > li').evaluateAll((items) => items.map((item) => item.getAttribute('data-mark-id')));

/** The session the page keeps in sessionStorage. */
const storedSession = (page: Page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('iris.session') ?? 'null') as Session | null);

describe.skipIf(!hasChromium)('the web example, served on another origin, in Chromium', () => {
  beforeAll(async () => {
    graph = await startTestGraph({ ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) });

    // Three marks to page through, two at a time: the demo device's mode marks any capture with a face.
    const token = await graph.login();
    const portrait = readFileSync(PORTRAIT).toString('base64');
    for (let i = 0; i < 3; i++) {
      const uploaded = await graph.request(
        `mutation($input: UploadCaptureInput!) { uploadCapture(input: $input) { id } }`,
        { input: { deviceId: DEMO.device.id, imageBase64: portrait } },
        { token },
      );
      expect(uploaded.errors).toBeUndefined();
    }
    await graph.settle();

    // Built as `pnpm build` does, with the gateway's address, and served by `vite preview` on its own port.
    outDir = mkdtempSync(join(tmpdir(), 'iris-web-'));
    // Vite reads VITE_* from the environment; NODE_ENV is vitest's 'test', which would bundle React's development build.
    const env = { VITE_IRIS_URL: graph.url, VITE_MARKS_PAGE_SIZE: String(PAGE_SIZE), NODE_ENV: 'production' };
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    try {
      await build({ root: APP_ROOT, mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    app = await preview({
      root: APP_ROOT,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    const { port } = new URL(app.resolvedUrls!.local[0]!);
    appUrl = `http://localhost:${port}/`;
    expect(new URL(appUrl).origin).not.toBe(new URL(graph.url).origin);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    await graph?.stop();
  });

  it('signs in, pages through marks, uploads a photo and shows its mark live, with no console errors', { timeout: 180_000 }, async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));

    try {
      await page.goto(appUrl);
      await page.getByLabel('Email').fill(DEMO.mainUser.email);
      await page.getByLabel('Password').fill(DEMO.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText(`Signed in as ${DEMO.mainUser.displayName}`).waitFor({ timeout: 30_000 });
      const first = (await storedSession(page))!;
      expect(first.user.email).toBe(DEMO.mainUser.email);

      // The first page, then the next through fetchMore: the list is the API's, newest first.
      const all = await graph.request<{ deviceMarks: { edges: { node: { id: string } }[] } }>(
        '{ deviceMarks(first: 10) { edges { node { id } } } }',
        {},
        { token: await graph.login() },
      );
      const expected = all.data!.deviceMarks.edges.map((edge) => edge.node.id);
      expect(expected).toHaveLength(3);
      const marks = page.locator('ol[aria-label="Marks"] > li');
      await expect.poll(() => marks.count(), { timeout: 30_000 }).toBe(PAGE_SIZE);
      expect(await listedMarks(page)).toEqual(expected.slice(0, PAGE_SIZE));
      await page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => marks.count(), { timeout: 30_000 }).toBe(3);
      expect(await listedMarks(page)).toEqual(expected);
      expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0); // no next page
      await expect.poll(() => page.locator('.live').innerText(), { timeout: 30_000 }).toBe('Live');

      // A photo through the signed upload URL (a cross-origin PUT); its mark arrives by subscription.
      await page.getByLabel('Photo').setInputFiles(PORTRAIT);
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.getByText('Uploaded astronaut.png').waitFor({ timeout: 30_000 });
      await graph.settle();
      await expect.poll(() => marks.count(), { timeout: 60_000 }).toBe(4);
      const [newest, ...older] = (await listedMarks(page)) as string[];
      expect(older).toEqual(expected);
      const live = marks.first();
      expect(await live.innerText()).toMatch(new RegExp(`${DEMO.device.name}[\\s\\S]*1 face: happy`));
      await expect
        .poll(() => live.locator('img').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth), { timeout: 30_000 })
        .toBeGreaterThan(0);
      expect(await page.getByRole('heading', { name: 'Marks' }).innerText()).toContain('(4)');
      const created = await graph.request<{ deviceMark: { id: string; data: { analysisStatus: string } } }>(
        'query($id: ID!) { deviceMark(id: $id) { id data { analysisStatus } } }',
        { id: newest },
        { token: await graph.login() },
      );
      expect(created.data?.deviceMark).toEqual({ id: newest, data: { analysisStatus: 'DONE' } });

      // The session is refreshed before its short-lived token expires, and marks keep arriving live after the
      // first token has expired: the subscription socket was reopened with a fresh token.
      await expect
        .poll(() => storedSession(page).then((session) => session?.accessToken), { timeout: ACCESS_TOKEN_TTL_SECONDS * 2_000 })
        .not.toBe(first.accessToken);
      await expect.poll(() => Date.now() > Date.parse(first.expiresAt), { timeout: ACCESS_TOKEN_TTL_SECONDS * 2_000 }).toBe(true);
      const camera = await graph.request(
        `mutation($input: UploadCaptureInput!) { uploadCapture(input: $input) { id } }`,
        { input: { deviceId: DEMO.device.id, imageBase64: readFileSync(PORTRAIT).toString('base64') } },
        { token: await graph.login() },
      );
      expect(camera.errors).toBeUndefined();
      await graph.settle();
      await expect.poll(() => marks.count(), { timeout: 60_000 }).toBe(5);
      expect((await listedMarks(page)).slice(1)).toEqual([newest, ...expected]);
      expect(await page.getByRole('alert').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}web-example.png`, fullPage: true });

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 30_000 });
      expect(await page.evaluate(() => sessionStorage.getItem('iris.session'))).toBeNull();
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
