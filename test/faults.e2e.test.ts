import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type GraphQLResponse, type TestGraph } from './support/graph.js';

/**
 * Faults under load: a subgraph that dies and comes back, the database dropping every connection.
 * Nothing may crash, every answer must be a well-formed GraphQL response (partial data plus a
 * SERVICE_UNAVAILABLE error, never a masked 500), and no write the graph acknowledged may be lost.
 */
let graph: TestGraph;
let token: string;

beforeAll(async () => {
  graph = await startTestGraph({ SUBGRAPH_BREAKER_FAILURES: '3', SUBGRAPH_BREAKER_RESET_MS: '500', SUBGRAPH_TIMEOUT_MS: '3000' });
  token = await graph.login();
});
afterAll(async () => graph?.stop());

const readyz = async () => {
  const response = await fetch(graph.url.replace(/\/graphql$/, '/readyz'));
  return { status: response.status, body: (await response.json()) as { status: string; subgraphs: Record<string, string> } };
};

/** Writes device groups until `stop()`: each one the graph acknowledged (returned an id for) is remembered. */
function writeLoad(prefix: string) {
  const acknowledged: string[] = [];
  const refused: GraphQLResponse['errors'] = [];
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const result = await graph.request<{ createDeviceGroup: { id: string } | null }>(
        `mutation($i: CreateDeviceGroupInput!) { createDeviceGroup(input: $i) { id } }`,
        { i: { name: `${prefix} ${n++}` } },
        { token },
      );
      if (result.data?.createDeviceGroup) acknowledged.push(result.data.createDeviceGroup.id);
      else refused.push(...(result.errors ?? [{ message: 'no data and no error' }]));
      await sleep(5);
    }
  })();
  return {
    acknowledged,
    refused,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

async function assertAllPersisted(ids: string[]) {
  expect(ids.length).toBeGreaterThan(0);
  for (let i = 0; i < ids.length; i += 20) {
    const batch = ids.slice(i, i + 20);
    const query = `{ ${batch.map((id, j) => `g${j}: deviceGroup(id: "${id}") { id }`).join(' ')} }`;
    const result = await graph.request(query, {}, { token, headers: {} });
    expect(result.errors).toBeUndefined();
    expect(Object.values(result.data ?? {}).map((g) => (g as { id: string }).id)).toEqual(batch);
  }
}

/** One field from identity, one from devices. */
const READ = `{ me { email } deviceGroup(id: "${DEMO.deviceGroup.id}") { id } }`;

describe('a subgraph dies mid-load and comes back', () => {
  it('answers the other subgraphs’ fields, cuts the dead one off, reports it, and recovers without a restart', async () => {
    const writes = writeLoad('fault-subgraph');
    const reads: GraphQLResponse<{ me: { email: string } | null; deviceGroup: { id: string } | null }>[] = [];
    const reading = (async () => {
      for (let i = 0; i < 60; i++) {
        reads.push(await graph.request(READ, {}, { token }));
        await sleep(20);
      }
    })();

    await sleep(300);
    await graph.stopSubgraph('devices');
    await sleep(800);
    const whileDown = await readyz();
    expect(whileDown.status).toBe(503);
    expect(['unreachable', 'circuit-open']).toContain(whileDown.body.subgraphs.devices);
    expect(whileDown.body.subgraphs.identity).toBe('ready');

    const partial = await graph.request<{ me: { email: string }; deviceGroup: unknown }>(READ, {}, { token });
    expect(partial.data?.me.email).toBeTruthy();
    expect(partial.data?.deviceGroup).toBeNull();
    expect(partial.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', service: 'devices', retryAfterSeconds: 1 });
    expect(partial.errors?.[0]?.message).toMatch(/The devices service .*; the rest of the response is complete/);

    await graph.startSubgraph('devices');
    await reading;
    // Past the breaker's reset time one trial call closes it again.
    let recovered: GraphQLResponse<{ me: { account: { deviceGroups: { totalCount: number } } } }> | undefined;
    for (let i = 0; i < 40; i++) {
      recovered = await graph.request(`{ me { account { deviceGroups(first: 1) { totalCount } } } }`, {}, { token });
      if (!recovered.errors) break;
      await sleep(100);
    }
    expect(recovered?.errors).toBeUndefined();
    await writes.stop();

    expect((await readyz()).status).toBe(200);
    // Every answer while it was down was well-formed: data from identity, devices' part an error the client can act on.
    for (const read of reads) {
      expect(read.data?.me?.email).toBeTruthy();
      for (const error of read.errors ?? []) expect(error.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    }
    for (const error of writes.refused ?? []) expect(error.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(writes.refused?.length).toBeGreaterThan(0);
    await assertAllPersisted(writes.acknowledged);
  });
});

describe('the database drops every connection mid-load', () => {
  it.skipIf(!process.env.DATABASE_URL)('keeps serving after it, and every acknowledged write is there', async () => {
    const writes = writeLoad('fault-database');
    await sleep(300);
    // What a PostgreSQL restart looks like to a client: every connection to the database is closed under it.
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const database = new URL(graph.config.DATABASE_URL!).pathname.slice(1);
    const { rowCount } = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    await admin.end();
    expect(rowCount).toBeGreaterThan(0);
    await sleep(500);
    await writes.stop();

    const after = await graph.request(`{ me { email } }`, {}, { token });
    expect(after.errors).toBeUndefined();
    expect((await readyz()).status).toBe(200);
    const before = writes.acknowledged.length;
    // Writes go on being acknowledged after the drop, and none acknowledged is missing.
    const more = writeLoad('fault-database-after');
    await sleep(300);
    await more.stop();
    expect(more.acknowledged.length).toBeGreaterThan(0);
    expect(before).toBeGreaterThan(0);
    await assertAllPersisted([...writes.acknowledged, ...more.acknowledged]);
  });
});
