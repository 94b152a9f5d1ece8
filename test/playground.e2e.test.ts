import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { DEMO } from '@iris/core';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`No Chromium at ${CHROMIUM} (install Debian's chromium package): the playground browser tests are skipped.`);
const ARTIFACTS = new URL('../test-results/', import.meta.url).pathname;

let graph: TestGraph;
let browser: Browser;
let base: string;

describe.skipIf(!hasChromium)('the playground in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    graph = await startTestGraph();
    base = graph.url.replace(/\/graphql$/, '');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await graph?.stop();
  });

  it('loads with no outside network, runs the sign-in example and shows the result', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) outside.push(request.url());
    });
    await page.goto(`${base}/`);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.result-window').getByText('accessToken').waitFor({ timeout: 15_000 });
    expect(await page.locator('.result-window').innerText()).toContain(DEMO.mainUser.email);
    await page.screenshot({ path: `${ARTIFACTS}playground-sign-in.png` });
    expect(outside).toEqual([]);
    await page.close();
  });

  it('opens at /graphql for a browser, while GraphQL clients still get GraphQL there', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/graphql`);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    await page.close();
    const api = await fetch(`${base}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('runs a subscription and shows the mark a capture makes', async () => {
    const token = await graph.login();
    const page = await browser.newPage();
    const query = `subscription LiveMarks { deviceMarkCreated { faceCount device { name } analysis { faces { expression { label } } } } }`;
    await page.goto(`${base}/?query=${encodeURIComponent(query)}&headers=${encodeURIComponent(JSON.stringify({ Authorization: `Bearer ${token}` }))}`);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    await page.waitForTimeout(1_000);
    const portrait = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
    await graph.request(`mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`, { i: { deviceId: DEMO.device.id, imageBase64: portrait } }, { token });
    await page.locator('.result-window').getByText('HAPPY').waitFor({ timeout: 30_000 });
    expect(await page.locator('.result-window').innerText()).toContain(DEMO.device.name);
    await page.screenshot({ path: `${ARTIFACTS}playground-live-marks.png` });
    await page.close();
  });
});
