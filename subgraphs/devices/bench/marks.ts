/**
 * Device marks at scale: seeds 1,000,000 marks over 100 devices in two groups, then times the
 * filtered, sorted listing (a group's unread marks, newest first) on its first page and a page far
 * down, side by side, through the gateway.
 *
 *   pnpm bench:marks                 # embedded PostgreSQL (PGlite)
 *   DATABASE_URL=postgresql://... pnpm bench:marks
 *   MARKS=200000 pnpm bench:marks
 */
import { DEMO } from '@iris/core';
import { seedWithProgress, startBenchGraph, summarize, writeResults } from '../../../bench/harness.js';

const TOTAL = Number(process.env.MARKS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 200);
const PAGE_SIZE = 50;
const DEVICES = 100;

const bench = await startBenchGraph();
const { sql } = bench;
const groups = ['0190b000-0000-7000-8000-00000000000a', '0190b000-0000-7000-8000-00000000000b'];
for (const id of groups) {
  await sql.query(`INSERT INTO devices."DeviceGroup" (id, "accountId", name, "updatedAt") VALUES ($1, $2, $3, now())`, [
    id,
    DEMO.account.id,
    `Bench ${id.slice(-1)}`,
  ]);
}
await sql.query(
  `INSERT INTO devices."Device" (id, "accountId", "groupId", name, "updatedAt")
   SELECT ('0190c000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid, $1, ($2::uuid[])[1 + n % 2], 'Bench cam ' || n, now()
   FROM generate_series(1, ${DEVICES}) AS n`,
  [DEMO.account.id, groups],
);
await seedWithProgress('marks', TOTAL, 50_000, (from, to) =>
  sql.query(
    `INSERT INTO devices."DeviceMark" (id, "accountId", "deviceId", "groupId", "createdAt", "readAt")
     SELECT gen_random_uuid(), $1, ('0190c000-0000-7000-8000-' || lpad((1 + n % ${DEVICES})::text, 12, '0'))::uuid,
            ($2::uuid[])[1 + (1 + n % ${DEVICES}) % 2], now() - make_interval(secs => n), CASE WHEN n % 4 = 0 THEN now() END
     FROM generate_series($3::int, $4::int - 1) AS n`,
    [DEMO.account.id, groups, from, to],
  ),
);
await sql.query('ANALYZE devices."DeviceMark"');

const query = `query($after: String, $filter: DeviceMarkFilter) {
  deviceMarks(filter: $filter, orderBy: { field: CREATED_AT, direction: DESC }, first: ${PAGE_SIZE}, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { id createdAt device { name } group { name } } } }`;
const filter = { deviceGroupId: groups[0], unread: true };
const auth = { authorization: `Bearer ${bench.ownerToken}` };

const page = async (after: string | null) => (await bench.request(query, { after, filter }, auth)).ms;

/** The cursor a client holds after paging down to `offset` rows of the filtered list, newest first. */
async function cursorAt(offset: number) {
  const row = await sql.query<{ createdAt: Date; id: string }>(
    `SELECT "createdAt", id FROM devices."DeviceMark" WHERE "accountId" = $1 AND "groupId" = $2 AND "readAt" IS NULL AND "deletedAt" IS NULL
     ORDER BY "createdAt" DESC, id DESC LIMIT 1 OFFSET ${offset}`,
    [DEMO.account.id, groups[0]],
  );
  const { createdAt, id } = row.rows[0]!;
  return { createdAt, id, cursor: Buffer.from(JSON.stringify(['mark.createdAt.desc', createdAt.toISOString(), id])).toString('base64url') };
}
const [{ count }] = (
  await sql.query<{ count: string }>(
    `SELECT count(*) FROM devices."DeviceMark" WHERE "accountId" = $1 AND "groupId" = $2 AND "readAt" IS NULL AND "deletedAt" IS NULL`,
    [DEMO.account.id, groups[0]],
  )
).rows as [{ count: string }];
const filtered = Number(count);
const middle = await cursorAt(Math.floor(filtered / 2));
const last = await cursorAt(filtered - PAGE_SIZE - 1);

const first: number[] = [];
const mid: number[] = [];
const end: number[] = [];
for (let i = 0; i < 20; i++) await Promise.all([page(null), page(middle.cursor), page(last.cursor)]); // warm-up
for (let i = 0; i < ROUNDS; i++) {
  first.push(await page(null));
  mid.push(await page(middle.cursor));
  end.push(await page(last.cursor));
}

const plan = await sql.query(
  `EXPLAIN (ANALYZE, FORMAT TEXT) SELECT id FROM devices."DeviceMark"
   WHERE "accountId" = $1 AND "groupId" = $2 AND "readAt" IS NULL AND "deletedAt" IS NULL AND ("createdAt" < $3 OR ("createdAt" = $3 AND id < $4))
   ORDER BY "createdAt" DESC, id DESC LIMIT ${PAGE_SIZE + 1}`,
  [DEMO.account.id, groups[0], last.createdAt, last.id],
);
const results = {
  database: bench.databaseLabel,
  marks: TOTAL,
  filter: 'one group of two, unread only (3 in 4 marks), newest first',
  pageSize: PAGE_SIZE,
  rounds: ROUNDS,
  filteredMarks: filtered,
  latencyMs: [
    summarize('first page', first),
    summarize(`page after ${Math.floor(filtered / 2).toLocaleString('en')} marks`, mid),
    summarize(`last page (after ${(filtered - PAGE_SIZE - 1).toLocaleString('en')})`, end),
  ],
  lastPagePlan: plan.rows.map((r) => r['QUERY PLAN'] as string),
};
console.table(results.latencyMs);
console.log(results.lastPagePlan.join('\n'));
writeResults('device-marks.json', results);
await bench.stop();
