import { readFileSync } from 'node:fs';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * @defer through the gateway: the page of marks first, each mark's analysis after it, over
 * `multipart/mixed; deferSpec=20220824` as Apollo's clients read it; one JSON result for a client that
 * does not ask for multipart; and the same refusals as any operation.
 */
const QUERY = `{ deviceMarks(first: 10) { nodes { id device { name } ... @defer(label: "analysis") { analysis { faces { score } } } } } }`;
const PLAIN = `{ deviceMarks(first: 10) { nodes { id device { name } analysis { faces { score } } } } }`;
const INCREMENTAL = 'multipart/mixed;deferSpec=20220824, application/json';
const image = (name: string) => readFileSync(new URL(`./fixtures/images/${name}`, import.meta.url)).toString('base64');

let graph: TestGraph;
let owner: string;

beforeAll(async () => {
  graph = await startTestGraph();
  owner = await graph.login();
  // Two marks with an analysis: portraits captured by the demo device, through the capture pipeline.
  for (let i = 0; i < 2; i++) {
    const upload = await graph.request(
      `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`,
      { i: { deviceId: DEMO.device.id, imageBase64: image('astronaut.png') } },
      { token: owner },
    );
    expect(upload.errors).toBeUndefined();
  }
  await graph.settle();
}, 240_000);
afterAll(() => graph?.stop());

/** The parts of a multipart/mixed response, read as they arrive, with the boundary from its Content-Type. */
async function readParts(response: Response): Promise<Record<string, any>[]> {
  const boundary = /boundary="?([^";]+)"?/.exec(response.headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error(`no boundary in ${response.headers.get('content-type')}`);
  const text = await response.text();
  const delimiter = `\r\n--${boundary}`;
  const sections = text.split(delimiter).slice(1);
  const parts: Record<string, any>[] = [];
  for (const section of sections) {
    if (section.startsWith('--')) break;
    const body = section.slice(section.indexOf('\r\n\r\n') + 4).trim();
    if (body) parts.push(JSON.parse(body));
  }
  expect(text.endsWith(`${delimiter}--\r\n`)).toBe(true);
  return parts;
}

const post = (query: string, headers: Record<string, string>) =>
  fetch(graph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

describe('@defer over HTTP', () => {
  it('sends the page first and each mark’s analysis after it, merging to the plain result', async () => {
    const response = await post(QUERY, { authorization: `Bearer ${owner}`, accept: INCREMENTAL });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('multipart/mixed; boundary="-"; deferSpec=20220824');
    const [first, ...rest] = await readParts(response);
    expect(first!.hasNext).toBe(true);
    const nodes = first!.data.deviceMarks.nodes as Record<string, unknown>[];
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    for (const node of nodes) expect(Object.keys(node).sort()).toEqual(['device', 'id']);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.at(-1)!.hasNext).toBe(false);
    const items = rest.flatMap((part) => part.incremental ?? []);
    expect(items.map((item) => item.path)).toEqual(nodes.map((_, i) => ['deviceMarks', 'nodes', i]));
    for (const item of items) expect(item.label).toBe('analysis');
    // Merged as a client merges them: the plain operation's result.
    for (const item of items) Object.assign(nodes[item.path[2]]!, item.data);
    const plain = await graph.request(PLAIN, {}, { token: owner });
    expect(plain.errors).toBeUndefined();
    expect(first!.data).toEqual(plain.data);
    expect(nodes.some((node) => (node.analysis as { faces: unknown[] } | null)?.faces.length)).toBe(true);
  });

  it('is read by Apollo Client: a streaming result without the analyses, then the complete one', async () => {
    const client = new ApolloClient({
      link: new HttpLink({ uri: graph.url, headers: { authorization: `Bearer ${owner}` } }),
      cache: new InMemoryCache(),
      incrementalHandler: new Defer20220824Handler(),
    });
    const results: { dataState: string; data: any }[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = client.watchQuery({ query: gql(QUERY), fetchPolicy: 'network-only' }).subscribe({
        next: (result) => {
          results.push({ dataState: result.dataState, data: result.data });
          if (result.dataState === 'complete') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    client.stop();
    const streaming = results.find((result) => result.dataState === 'streaming');
    expect(streaming, JSON.stringify(results)).toBeDefined();
    expect(streaming!.data.deviceMarks.nodes[0].analysis).toBeUndefined();
    const complete = results.at(-1)!;
    const plain = await graph.request(PLAIN, {}, { token: owner });
    const withoutTypenames = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (k, v) => (k === '__typename' ? undefined : v)));
    expect(withoutTypenames(complete.data)).toEqual(plain.data);
  });

  it('gives a client that does not accept multipart one complete JSON result', async () => {
    for (const accept of [undefined, 'application/json', 'multipart/mixed;subscriptionSpec=1.0, application/json']) {
      const response = await post(QUERY, { authorization: `Bearer ${owner}`, ...(accept && { accept }) });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      const result = (await response.json()) as { data: unknown; errors?: unknown };
      const plain = await graph.request(PLAIN, {}, { token: owner });
      expect(result).toEqual(plain);
    }
  });

  it('answers a client that accepts only multipart/mixed;deferSpec=20220824', async () => {
    const response = await post(QUERY, { authorization: `Bearer ${owner}`, accept: 'multipart/mixed;deferSpec=20220824' });
    expect(response.status).toBe(200);
    const parts = await readParts(response);
    expect(parts[0]!.hasNext).toBe(true);
  });

  it('refuses an anonymous caller as for any operation', async () => {
    const deferred = await post(QUERY, { accept: INCREMENTAL });
    const plain = await post(PLAIN, {});
    expect(deferred.status).toBe(plain.status);
    const body = (await deferred.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body).toEqual(await plain.json());
    expect(body.errors?.map((e) => e.extensions?.code)).toContain('UNAUTHENTICATED');
  });

  it('an API key (never allowed marks) gets FORBIDDEN at deviceMarks in the first payload', async () => {
    const key = await createApiKey(graph, owner, DEMO.app.id, ['PROFILES_READ']);
    const response = await post(QUERY, { api_key: key, accept: INCREMENTAL });
    const body = response.headers.get('content-type')?.startsWith('multipart/')
      ? (await readParts(response))[0]!
      : ((await response.json()) as Record<string, any>);
    expect(body.data?.deviceMarks ?? null).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ path: ['deviceMarks'], extensions: { code: 'FORBIDDEN' } });
  });

  it('formats a deferred part’s errors as the same error in a plain result', async () => {
    const key = await createApiKey(graph, owner, DEMO.app.id, ['PROFILES_READ']);
    const response = await post(
      `{ app(id: "${DEMO.app.id}") { name } ... @defer(label: "marks") { deviceMarks(first: 1) { totalCount } } }`,
      { api_key: key, accept: INCREMENTAL },
    );
    const [first, ...rest] = await readParts(response);
    expect(first).toEqual({ data: { app: { name: DEMO.app.name } }, hasNext: true });
    const [item] = rest.flatMap((part) => part.incremental ?? []);
    // deviceMarks is non-null: its null takes the deferred fragment's data with it, not the first payload's.
    expect(item).toMatchObject({ data: null, path: [], label: 'marks' });
    const plain = await graph.request(`{ deviceMarks(first: 1) { totalCount } }`, {}, { headers: { api_key: key } });
    expect(item.errors).toEqual(plain.errors);
    expect(item.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});
