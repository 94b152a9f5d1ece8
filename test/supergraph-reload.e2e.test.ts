import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUPERGRAPH_FILE } from '@iris/core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * The gateway serves the supergraph at SUPERGRAPH_PATH and loads it again when the file changes,
 * without failing the requests running meanwhile; a file that is not a supergraph is refused and the
 * current one kept.
 */
const folder = mkdtempSync(join(tmpdir(), 'iris-supergraph-'));
const path = join(folder, 'supergraph.graphql');
const original = readFileSync(SUPERGRAPH_FILE, 'utf8');
const ME = 'The signed-in user, ';

/** Replaces the file as a deploy does: written beside it, then renamed over it. */
const replaceSupergraph = (sdl: string) => {
  writeFileSync(`${path}.next`, sdl);
  renameSync(`${path}.next`, path);
};

let graph: TestGraph;
let token: string;

beforeAll(async () => {
  writeFileSync(path, original);
  graph = await startTestGraph({ SUPERGRAPH_PATH: path });
  token = await graph.login();
});
afterAll(async () => {
  await graph?.stop();
  rmSync(folder, { recursive: true, force: true });
});

const meDescription = async () => {
  const result = await graph.request<{ __type: { fields: { name: string; description: string }[] } }>(
    '{ __type(name: "Query") { fields { name description } } }',
    {},
    { token },
  );
  return result.data!.__type.fields.find((field) => field.name === 'me')!.description;
};

it('serves the changed supergraph once the file changes, while requests keep being answered', async () => {
  expect(original).toContain(ME);
  expect(await meDescription()).toMatch(/^The signed-in user, or /);

  // Requests one after another all through the reload.
  let reloading = true;
  const answers: unknown[] = [];
  const traffic = (async () => {
    while (reloading) answers.push(await graph.request('{ me { id } }', {}, { token }));
  })();

  replaceSupergraph(original.replace(ME, 'The signed-in user as of the reloaded supergraph, '));
  await vi.waitFor(async () => expect(await meDescription()).toMatch(/^The signed-in user as of the reloaded supergraph, /), {
    timeout: 30_000,
    interval: 200,
  });

  reloading = false;
  await traffic;
  expect(answers.length).toBeGreaterThan(0);
  for (const answer of answers) expect(answer).toMatchObject({ data: { me: { id: expect.any(String) } } });
  expect(answers).not.toContainEqual(expect.objectContaining({ errors: expect.anything() }));
});

it('keeps serving the current supergraph when the file is replaced by one that does not load', async () => {
  const before = await meDescription();
  replaceSupergraph('type Query { nothing: String }\n');
  // Requests meanwhile get the current supergraph.
  for (let i = 0; i < 10; i++) expect(await meDescription()).toBe(before);
  // Then a valid change after it: the broken file has not stopped the watching.
  replaceSupergraph(original.replace(ME, 'The signed-in user after a broken supergraph, '));
  await vi.waitFor(async () => expect(await meDescription()).toMatch(/after a broken supergraph/), { timeout: 30_000, interval: 200 });
  expect(before).toMatch(/as of the reloaded supergraph/);
  expect((await graph.request('{ me { id } }', {}, { token })).errors).toBeUndefined();
});
