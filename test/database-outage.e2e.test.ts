import { afterAll, beforeAll, expect, it } from 'vitest';
import { MASKED_MESSAGE } from '@iris/core';
import { startTestGraph, type TestGraph } from './support/graph.js';

let graph: TestGraph;
let token: string;

beforeAll(async () => {
  graph = await startTestGraph();
  token = await graph.login();
});
afterAll(async () => {
  await graph?.stop().catch(() => {});
});

it('masks a database failure for the client and reports the graph not ready', async () => {
  await graph.cutDatabase();

  const result = await graph.request(
    `{ me { email account { devices { totalCount } } } }`,
    {},
    { token, headers: { 'x-request-id': 'outage-test-1' } },
  );
  const error = result.errors?.[0];
  expect(error?.message).toBe(MASKED_MESSAGE);
  expect(error?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'outage-test-1' });
  expect(JSON.stringify(result)).not.toMatch(/SELECT|prisma|at \w+ \(|\.ts:/i);

  const ready = await fetch(graph.url.replace(/\/graphql$/, '/readyz'));
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ status: 'unavailable' });
});
