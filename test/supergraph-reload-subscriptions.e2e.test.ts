import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, SUPERGRAPH_FILE } from '@iris/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * A subscription open over WebSocket goes on receiving events while the gateway loads a rewritten
 * SUPERGRAPH_PATH: the socket stays open, the subscription is not completed, and each event still
 * carries fields from devices, identity and analytics.
 */
const folder = mkdtempSync(join(tmpdir(), 'iris-supergraph-subscriptions-'));
const path = join(folder, 'supergraph.graphql');
const original = readFileSync(SUPERGRAPH_FILE, 'utf8');
const ME = 'The signed-in user, ';
const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');

let graph: TestGraph;
let token: string;
let client: Client | undefined;

/** Replaces the file as a deploy does: written beside it, then renamed over it. */
const replaceSupergraph = (sdl: string) => {
  writeFileSync(`${path}.next`, sdl);
  renameSync(`${path}.next`, path);
};

beforeAll(async () => {
  writeFileSync(path, original);
  graph = await startTestGraph({ SUPERGRAPH_PATH: path });
  token = await graph.login();
}, 240_000);
afterAll(async () => {
  await client?.dispose();
  await graph?.stop();
  rmSync(folder, { recursive: true, force: true });
}, 120_000);

const meDescription = async () => {
  const result = await graph.request<{ __type: { fields: { name: string; description: string }[] } }>(
    '{ __type(name: "Query") { fields { name description } } }',
    {},
    { token },
  );
  return result.data!.__type.fields.find((field) => field.name === 'me')!.description;
};

async function upload() {
  const result = await graph.request<{ uploadCapture: { id: string } }>(
    `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
    { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
    { token },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.uploadCapture.id;
}

it('keeps delivering events to an open subscription while the supergraph file is rewritten and reloaded', {
  timeout: 240_000,
}, async () => {
  expect(original).toContain(ME);
  const closed: number[] = [];
  let completed = false;
  const events: { data?: any; errors?: unknown[] }[] = [];
  client = createClient({
    url: graph.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => void closed.push((event as { code: number }).code) },
  });
  client.subscribe(
    {
      query:
        'subscription { deviceMarkCreated { id data { id } faceCount device { name account { name } } analysis { faces { expression { label } } } } }',
    },
    {
      next: (value) => void events.push(value as never),
      error: (error) => void events.push({ errors: [error] }),
      complete: () => (completed = true),
    },
  );
  const markFor = (captureId: string) => events.find((event) => event.data?.deviceMarkCreated?.data?.id === captureId);
  const delivered = async (captureId: string) => {
    await graph.settle();
    await vi.waitFor(() => expect(markFor(captureId), JSON.stringify(events)).toBeDefined(), { timeout: 60_000, interval: 100 });
  };

  // Open end to end: a capture's mark arrives (nothing tells a client when the upstream stream is open).
  await vi.waitFor(
    async () => {
      const id = await upload();
      await graph.settle();
      await vi.waitFor(() => expect(markFor(id)).toBeDefined(), { timeout: 5_000, interval: 100 });
    },
    { timeout: 120_000, interval: 100 },
  );

  // Reloads while captures are analysed and their marks published.
  const during = [await upload()];
  replaceSupergraph(original.replace(ME, 'The signed-in user as reloaded once, '));
  during.push(await upload());
  await vi.waitFor(async () => expect(await meDescription()).toMatch(/^The signed-in user as reloaded once, /), {
    timeout: 60_000,
    interval: 200,
  });
  for (const id of during) await delivered(id);

  // And after a second reload, on the same subscription.
  replaceSupergraph(original.replace(ME, 'The signed-in user as reloaded twice, '));
  await vi.waitFor(async () => expect(await meDescription()).toMatch(/^The signed-in user as reloaded twice, /), {
    timeout: 60_000,
    interval: 200,
  });
  const after = await upload();
  await delivered(after);

  expect(closed).toEqual([]);
  expect(completed).toBe(false);
  expect(events.filter((event) => event.errors)).toEqual([]);
  for (const id of [...during, after]) {
    expect(markFor(id)!.data.deviceMarkCreated).toMatchObject({
      faceCount: 1,
      device: { name: DEMO.device.name, account: { name: DEMO.account.name } },
      analysis: { faces: [{ expression: { label: 'HAPPY' } }] },
    });
  }
});
