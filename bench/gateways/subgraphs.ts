/**
 * The gateway benchmark's subgraph process: the four subgraphs (as `startGraph` runs them) on a
 * scratch database, seeded with profiles, devices, captures, marks and their face analyses. Reports
 * the subgraph URLs, a long-lived access token of the demo owner and the ids the operations use.
 */
import { DEMO, loadConfig, signAccessToken, type TokenKeys } from '@iris/core';
import { startGraph } from '@iris/server';
import pg from 'pg';
import { createScratchDatabase } from '@iris/testkit';
import { serveParent } from './child.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 5_000);
const MARKS = Number(process.env.BENCH_MARKS ?? 5_000);
const DEVICES = 20;
export const BENCH_APP_ID = 'bench-app';

const serverUrl = process.env.DATABASE_URL;
const scratch = serverUrl ? await createScratchDatabase(serverUrl, 'iris_bench') : undefined;
const config = loadConfig({
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  PORT: '0',
  IDENTITY_PORT: '0',
  PROFILES_PORT: '0',
  DEVICES_PORT: '0',
  ANALYTICS_PORT: '0',
  IRIS_DATA_DIR: 'memory',
  SEED_DEMO_DATA: 'true',
  JWT_PRIVATE_KEY: process.env.JWT_PRIVATE_KEY,
  JWT_PUBLIC_KEY: process.env.JWT_PUBLIC_KEY,
  // The gateway's secret, when the benchmark runs as deployed: the subgraphs then expect it.
  ...(process.env.GATEWAY_SECRET ? { GATEWAY_SECRET: process.env.GATEWAY_SECRET } : {}),
  ...(process.env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE } : {}),
  ...(scratch ? { DATABASE_URL: scratch.url } : {}),
});
const graph = await startGraph(config);
const sql = new pg.Client({ connectionString: graph.database.url });
await sql.connect();

const uuid = (prefix: string, n: string) => `('${prefix}-0000-7000-8000-' || lpad((${n})::text, 12, '0'))::uuid`;
const started = performance.now();

await sql.query(
  `INSERT INTO identity."App" (id, "accountId", name, platform, kind, "redirectUris", "updatedAt") VALUES ($1, $2, 'Bench', 'ANDROID', 'TRIAL', '{}', now())`,
  [BENCH_APP_ID, DEMO.account.id],
);
// What identity's `app.accountLinked` gives profiles for an app it registers (this one is written directly).
await sql.query(`INSERT INTO profiles."AppAccount" ("appId", "accountId") VALUES ($1, $2)`, [BENCH_APP_ID, DEMO.account.id]);
await sql.query(
  `INSERT INTO profiles."Profile" ("accountId", "appId", "deviceId", gender, age, country, transportation, pets, sports, "holidayCountries", "holidayCities", "lifeEvents", "updatedAt")
   SELECT $1, $2, 'device-' || n, (ARRAY['MALE','FEMALE','UNKNOWN'])[1 + n % 3], (ARRAY['UNDER_25','FROM_25_TO_35','OVER_55'])[1 + n % 3],
          (ARRAY['IL','KR','FR'])[1 + n % 3], '{}', '{}', '{}', '{}', '{}', '{}', '2026-01-01T00:00:00Z'
   FROM generate_series(1, ${PROFILES}) AS n`,
  [DEMO.account.id, BENCH_APP_ID],
);
await sql.query(
  `INSERT INTO devices."Device" (id, "accountId", "groupId", name, model, "createdAt", "updatedAt")
   SELECT ${uuid('0190c000', 'n')}, $1, CASE WHEN n % 2 = 0 THEN $2::uuid END, 'Bench cam ' || n, 'IRIS-CAM-2',
          '2026-01-01T00:00:00Z'::timestamptz + make_interval(secs => n), now()
   FROM generate_series(1, ${DEVICES}) AS n`,
  [DEMO.account.id, DEMO.deviceGroup.id],
);
await sql.query(
  `INSERT INTO devices."DeviceData" (id, "accountId", "deviceId", "storageKey", "contentType", "byteSize", width, height, "analysisStatus", "capturedAt", "createdAt")
   SELECT ${uuid('0190d000', 'n')}, $1, ${uuid('0190c000', `1 + n % ${DEVICES}`)}, 'bench/' || n || '.jpg', 'image/jpeg', 48000 + n, 640, 480, 'DONE',
          '2026-01-01T00:00:00Z'::timestamptz + make_interval(secs => n), '2026-01-01T00:00:00Z'::timestamptz + make_interval(secs => n)
   FROM generate_series(1, ${MARKS}) AS n`,
  [DEMO.account.id],
);

/** One face as the engine stores it; every analysis holds one or two. */
const face = (i: number) => ({
  score: 0.9 + i / 100,
  box: { x: 100 + i * 150, y: 80, width: 120, height: 120 },
  landmarks: Array.from({ length: 68 }, (_, p) => ({ x: 100 + i * 150 + (p % 12) * 10, y: 80 + Math.floor(p / 12) * 20 })),
  eyes: { left: { open: true, probability: 0.97 }, right: { open: i === 0, probability: i === 0 ? 0.95 : 0.2 } },
  expression: {
    label: 'HAPPY',
    scores: ['ANGRY', 'DISGUST', 'FEAR', 'HAPPY', 'SAD', 'SURPRISE', 'NEUTRAL'].map((label) => ({
      label,
      score: label === 'HAPPY' ? 0.7 : 0.05,
    })),
  },
});
const models = { detector: 'ultraface-rfb-320', landmarks: 'pfld-68', eyes: 'eye-state-v1', expression: 'ferplus-8' };
await sql.query(
  `INSERT INTO analytics."FaceAnalysis" (id, "accountId", "deviceId", "dataId", width, height, models, "durationMs", faces, "faceCount", "createdAt")
   SELECT ${uuid('0190f000', 'n')}, $1, ${uuid('0190c000', `1 + n % ${DEVICES}`)}, ${uuid('0190d000', 'n')}, 640, 480, $2::jsonb, 40 + n % 17,
          CASE WHEN n % 3 = 0 THEN $4::jsonb ELSE $3::jsonb END, CASE WHEN n % 3 = 0 THEN 2 ELSE 1 END,
          '2026-01-01T00:00:00Z'::timestamptz + make_interval(secs => n)
   FROM generate_series(1, ${MARKS}) AS n`,
  [DEMO.account.id, JSON.stringify(models), JSON.stringify([face(0)]), JSON.stringify([face(0), face(1)])],
);
await sql.query(
  `INSERT INTO devices."DeviceMark" (id, "accountId", "deviceId", "groupId", "dataId", "analysisId", "faceCount", "createdAt", "readAt")
   SELECT ${uuid('0190e000', 'n')}, $1, ${uuid('0190c000', `1 + n % ${DEVICES}`)}, CASE WHEN (1 + n % ${DEVICES}) % 2 = 0 THEN $2::uuid END,
          ${uuid('0190d000', 'n')}, ${uuid('0190f000', 'n')}, CASE WHEN n % 3 = 0 THEN 2 ELSE 1 END,
          '2026-01-01T00:00:00Z'::timestamptz + make_interval(secs => n), CASE WHEN n % 4 = 0 THEN '2026-02-01T00:00:00Z'::timestamptz END
   FROM generate_series(1, ${MARKS}) AS n`,
  [DEMO.account.id, DEMO.deviceGroup.id],
);
for (const table of [
  'profiles."Profile"',
  'devices."Device"',
  'devices."DeviceData"',
  'devices."DeviceMark"',
  'analytics."FaceAnalysis"',
]) {
  await sql.query(`ANALYZE ${table}`);
}
await sql.end();

// Signed here rather than through `login` so it outlives the whole run.
const keys: TokenKeys = graph.keys;
const { token } = await signAccessToken(
  keys,
  { ...config, ACCESS_TOKEN_TTL_SECONDS: 86_400 },
  {
    kind: 'user',
    userId: DEMO.mainUser.id,
    accountId: DEMO.account.id,
    role: 'MAIN',
  },
);

serveParent(
  {
    type: 'ready',
    url: graph.url,
    subgraphs: Object.fromEntries(Object.entries(graph.subgraphs).map(([name, server]) => [name, server.url])),
    accessToken: token,
    database: scratch ? 'PostgreSQL' : 'PGlite (embedded)',
    databaseUrl: scratch?.url,
    seeded: { profiles: PROFILES, devices: DEVICES, marks: MARKS, analyses: MARKS },
    seedSeconds: +((performance.now() - started) / 1000).toFixed(1),
    ids: { appId: BENCH_APP_ID, markId: '0190e000-0000-7000-8000-000000000041' },
  },
  async () => {
    await graph.close();
    await scratch?.drop();
  },
);
