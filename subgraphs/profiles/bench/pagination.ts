/**
 * Keyset pagination at scale: seeds 1,000,000 profiles for one app, then times the first page and a
 * page one million rows deep, side by side, through the gateway as an app server would call them.
 *
 *   pnpm bench:profiles                 # embedded PostgreSQL (PGlite)
 *   DATABASE_URL=postgresql://... pnpm bench:profiles
 *   PROFILES=200000 pnpm bench:profiles # fewer rows
 */
import { DEMO, encodeCursor, type Sort } from '@iris/core';
import { seedWithProgress, startBenchGraph, summarize, writeResults } from '../../../bench/harness.js';

const TOTAL = Number(process.env.PROFILES ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 200);
const PAGE_SIZE = 50;
const appId = 'bench-app';

const bench = await startBenchGraph();
const { sql } = bench;
await sql.query(
  `INSERT INTO identity."App" (id, "accountId", name, platform, kind, "redirectUris", "updatedAt") VALUES ($1, $2, 'Bench', 'ANDROID', 'TRIAL', '{}', now())`,
  [appId, DEMO.account.id],
);
// What identity's `app.accountLinked` gives profiles for an app it registers (this one is written directly).
await sql.query(`INSERT INTO profiles."AppAccount" ("appId", "accountId") VALUES ($1, $2)`, [appId, DEMO.account.id]);
await seedWithProgress('profiles', TOTAL, 50_000, (from, to) =>
  sql.query(
    `INSERT INTO profiles."Profile" ("accountId", "appId", "deviceId", gender, age, country, transportation, pets, sports, "holidayCountries", "holidayCities", "lifeEvents", "updatedAt")
     SELECT $1, $2, 'device-' || n, (ARRAY['MALE','FEMALE','UNKNOWN'])[1 + n % 3], (ARRAY['UNDER_25','FROM_25_TO_35','OVER_55'])[1 + n % 3],
            'IL', '{}', '{}', '{}', '{}', '{}', '{}', now()
     FROM generate_series($3::int, $4::int - 1) AS n`,
    [DEMO.account.id, appId, from, to],
  ),
);
await sql.query('ANALYZE profiles."Profile"');

// The cursor a client would hold after paging to the very end, built the way the API builds it.
const sort: Sort<{ id: bigint }> = { name: 'profile.id', keys: [{ field: 'id', direction: 'asc', type: 'bigint' }] };
const deep = await sql.query<{ id: string }>(`SELECT id FROM profiles."Profile" WHERE "appId" = $1 ORDER BY id OFFSET $2 LIMIT 1`, [
  appId,
  TOTAL - PAGE_SIZE - 1,
]);
// Sealed for this app's list, with the key the graph started above set for this process.
const deepCursor = encodeCursor(sort, { id: BigInt(deep.rows[0]!.id) }, appId);

const key = (
  await bench.request<{ createApiKey: { secret: string } }>(
    `mutation { createApiKey(input: { appId: "${appId}", name: "bench", scopes: [PROFILES_READ] }) { secret } }`,
    {},
    { authorization: `Bearer ${bench.ownerToken}` },
  )
).data.createApiKey.secret;
const query = `query($appId: ID!, $after: String) { profiles(appId: $appId, first: ${PAGE_SIZE}, after: $after) { pageInfo { hasNextPage } nodes { deviceId gender age } } }`;
const page = async (after: string | null) => {
  const { data, ms } = await bench.request<{ profiles: { nodes: unknown[] } }>(query, { appId, after }, { api_key: key });
  if (data.profiles.nodes.length !== PAGE_SIZE) throw new Error('short page');
  return ms;
};

const first: number[] = [];
const deepPage: number[] = [];
for (let i = 0; i < 20; i++) await Promise.all([page(null), page(deepCursor)]); // warm-up
for (let i = 0; i < ROUNDS; i++) {
  first.push(await page(null));
  deepPage.push(await page(deepCursor));
}

const plan = await sql.query(
  `EXPLAIN (ANALYZE, FORMAT TEXT) SELECT id FROM profiles."Profile" WHERE "appId" = $1 AND "accountId" = $2 AND id > $3 ORDER BY id LIMIT ${PAGE_SIZE + 1}`,
  [appId, DEMO.account.id, deep.rows[0]!.id],
);
const results = {
  database: bench.databaseLabel,
  profiles: TOTAL,
  pageSize: PAGE_SIZE,
  rounds: ROUNDS,
  latencyMs: [summarize('first page', first), summarize(`page after ${(TOTAL - PAGE_SIZE).toLocaleString('en')} rows`, deepPage)],
  deepPagePlan: plan.rows.map((r) => r['QUERY PLAN'] as string),
};
console.table(results.latencyMs);
console.log(results.deepPagePlan.join('\n'));
writeResults('profiles-pagination.json', results);
await bench.stop();
