/**
 * Keyset pagination at scale: seeds 1,000,000 profiles for one app, then times the first page and a
 * page one million rows deep, side by side, through the gateway as an app server would call them.
 *
 *   pnpm bench:profiles                 # embedded PostgreSQL (PGlite)
 *   DATABASE_URL=postgresql://... pnpm bench:profiles
 *   PROFILES=200000 pnpm bench:profiles # fewer rows
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { DEMO, encodeCursor, loadConfig, type Sort } from '@iris/core';
import { startGraph } from '@iris/graph';
import pg from 'pg';

const TOTAL = Number(process.env.PROFILES ?? 1_000_000);
const BATCH = 50_000;
const ROUNDS = Number(process.env.ROUNDS ?? 200);
const PAGE_SIZE = 50;

const serverUrl = process.env.DATABASE_URL;
let databaseUrl: string | undefined;
let dropDatabase = async () => {};
if (serverUrl) {
  const name = `iris_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  dropDatabase = async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  };
}

const config = loadConfig({
  LOG_LEVEL: 'warn',
  PORT: '0',
  IDENTITY_PORT: '0',
  PROFILES_PORT: '0',
  DEVICES_PORT: '0',
  ANALYTICS_PORT: '0',
  IRIS_DATA_DIR: 'memory',
  SEED_DEMO_DATA: 'true',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});
const graph = await startGraph(config);
const db = new pg.Client({ connectionString: graph.database.url });
await db.connect();

const appId = 'bench-app';
await db.query(
  `INSERT INTO identity."App" (id, "accountId", name, platform, kind, "redirectUris", "updatedAt") VALUES ($1, $2, 'Bench', 'ANDROID', 'TRIAL', '{}', now())`,
  [appId, DEMO.account.id],
);

const started = performance.now();
for (let from = 0; from < TOTAL; from += BATCH) {
  const to = Math.min(TOTAL, from + BATCH);
  await db.query(
    `INSERT INTO profiles."Profile" ("accountId", "appId", "deviceId", gender, age, country, transportation, pets, sports, "holidayCountries", "holidayCities", "lifeEvents", "updatedAt")
     SELECT $1, $2, 'device-' || n, (ARRAY['MALE','FEMALE','UNKNOWN'])[1 + n % 3], (ARRAY['UNDER_25','FROM_25_TO_35','OVER_55'])[1 + n % 3],
            'IL', '{}', '{}', '{}', '{}', '{}', '{}', now()
     FROM generate_series($3::int, $4::int - 1) AS n`,
    [DEMO.account.id, appId, from, to],
  );
  const rate = Math.round(to / ((performance.now() - started) / 1000));
  process.stdout.write(`\rseeding profiles: ${to.toLocaleString('en')} / ${TOTAL.toLocaleString('en')} (${rate.toLocaleString('en')}/s)   `);
}
process.stdout.write('\n');
await db.query('ANALYZE profiles."Profile"');

// The cursor a client would hold after paging to the very end, built the way the API builds it.
const sort: Sort<{ id: bigint }> = { name: 'profile.id', keys: [{ field: 'id', direction: 'asc', type: 'bigint' }] };
const deep = await db.query<{ id: string }>(`SELECT id FROM profiles."Profile" WHERE "appId" = $1 ORDER BY id OFFSET $2 LIMIT 1`, [appId, TOTAL - PAGE_SIZE - 1]);
const deepCursor = encodeCursor(sort, { id: BigInt(deep.rows[0]!.id) });

const ownerToken = await loginToken();
const key = await createKey();
const query = `query($appId: ID!, $after: String) { profiles(appId: $appId, first: ${PAGE_SIZE}, after: $after) { pageInfo { hasNextPage } nodes { deviceId gender age } } }`;

async function page(after: string | null): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', api_key: key },
    body: JSON.stringify({ query, variables: { appId, after } }),
  });
  const body = (await response.json()) as { data?: { profiles: { nodes: unknown[] } }; errors?: unknown };
  const ms = performance.now() - t0;
  if (!body.data || body.data.profiles.nodes.length === 0) throw new Error(`bad page: ${JSON.stringify(body.errors)}`);
  return ms;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const first: number[] = [];
const deepPage: number[] = [];
for (let i = 0; i < 20; i++) await Promise.all([page(null), page(deepCursor)]); // warm-up
for (let i = 0; i < ROUNDS; i++) {
  first.push(await page(null));
  deepPage.push(await page(deepCursor));
}

const plan = await db.query(
  `EXPLAIN (ANALYZE, FORMAT TEXT) SELECT id FROM profiles."Profile" WHERE "appId" = $1 AND "accountId" = $2 AND id > $3 ORDER BY id LIMIT ${PAGE_SIZE + 1}`,
  [appId, DEMO.account.id, deep.rows[0]!.id],
);
const row = (name: string, values: number[]) => ({ page: name, p50: +percentile(values, 50).toFixed(2), p95: +percentile(values, 95).toFixed(2), mean: +(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2) });
const results = {
  database: serverUrl ? 'PostgreSQL' : 'PGlite (embedded)',
  profiles: TOTAL,
  pageSize: PAGE_SIZE,
  rounds: ROUNDS,
  latencyMs: [row('first page', first), row(`page after ${(TOTAL - PAGE_SIZE).toLocaleString('en')} rows`, deepPage)],
  deepPagePlan: plan.rows.map((r) => r['QUERY PLAN'] as string),
};
console.table(results.latencyMs);
console.log(results.deepPagePlan.join('\n'));
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/profiles-pagination.json', JSON.stringify(results, null, 2));

await db.end();
await graph.close();
await dropDatabase();

async function loginToken(): Promise<string> {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `mutation { login(input: { email: "${DEMO.mainUser.email}", password: "${DEMO.password}" }) { accessToken } }` }),
  });
  return ((await response.json()) as { data: { login: { accessToken: string } } }).data.login.accessToken;
}

async function createKey(): Promise<string> {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
    body: JSON.stringify({ query: `mutation { createApiKey(input: { appId: "${appId}", name: "bench", scopes: [PROFILES_READ] }) { secret } }` }),
  });
  return ((await response.json()) as { data: { createApiKey: { secret: string } } }).data.createApiKey.secret;
}
