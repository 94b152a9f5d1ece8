/**
 * What the benchmark scripts share: the whole graph on a scratch database (embedded PGlite, or a
 * fresh database on the server at `DATABASE_URL`, dropped afterwards), a raw SQL connection for
 * seeding, GraphQL calls through the gateway, and latency summaries.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { DEMO, loadConfig } from '@iris/core';
import { startGraph, type RunningGraph } from '@iris/server';
import pg from 'pg';
import { createScratchDatabase, testEnvironment } from '@iris/testkit';

export interface BenchGraph {
  graph: RunningGraph;
  sql: pg.Client;
  databaseLabel: string;
  /** POSTs a GraphQL operation to the gateway; throws on errors. Returns the data and the milliseconds it took. */
  request: <T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ) => Promise<{ data: T; ms: number }>;
  ownerToken: string;
  stop: () => Promise<void>;
}

export async function startBenchGraph(overrides: Record<string, string> = {}): Promise<BenchGraph> {
  const serverUrl = process.env.DATABASE_URL;
  const scratch = serverUrl ? await createScratchDatabase(serverUrl, 'iris_bench') : undefined;
  // Free ports and rate limits out of the way, as in the tests: a benchmark is one principal sending
  // far more than any person would.
  const config = loadConfig({
    ...testEnvironment(),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    IRIS_DATA_DIR: 'memory',
    SEED_DEMO_DATA: 'true',
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    ...overrides,
  });
  const graph = await startGraph(config);
  const sql = new pg.Client({ connectionString: graph.database.url });
  await sql.connect();

  const request: BenchGraph['request'] = async (query, variables = {}, headers = {}) => {
    const t0 = performance.now();
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: never; errors?: unknown };
    const ms = performance.now() - t0;
    if (!body.data || body.errors) throw new Error(`request failed: ${JSON.stringify(body.errors)}`);
    return { data: body.data, ms };
  };
  const login = await request<{ login: { accessToken: string } }>(
    `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`,
    { input: { email: DEMO.mainUser.email, password: DEMO.password } },
  );
  return {
    graph,
    sql,
    databaseLabel: serverUrl ? 'PostgreSQL' : 'PGlite (embedded)',
    request,
    ownerToken: login.data.login.accessToken,
    stop: async () => {
      await sql.end();
      await graph.close();
      await scratch?.drop();
    },
  };
}

/** Inserts `total` rows in batches through `insertBatch(from, to)`, with a progress line. */
export async function seedWithProgress(
  label: string,
  total: number,
  batch: number,
  insertBatch: (from: number, to: number) => Promise<unknown>,
) {
  const started = performance.now();
  for (let from = 0; from < total; from += batch) {
    const to = Math.min(total, from + batch);
    await insertBatch(from, to);
    const rate = Math.round(to / ((performance.now() - started) / 1000));
    process.stdout.write(
      `\rseeding ${label}: ${to.toLocaleString('en')} / ${total.toLocaleString('en')} (${rate.toLocaleString('en')}/s)   `,
    );
  }
  process.stdout.write('\n');
}

export function summarize(name: string, values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return {
    case: name,
    p50: +at(50).toFixed(2),
    p95: +at(95).toFixed(2),
    mean: +(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2),
  };
}

export function writeResults(file: string, results: unknown) {
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(`bench-results/${file}`, JSON.stringify(results, null, 2));
}
