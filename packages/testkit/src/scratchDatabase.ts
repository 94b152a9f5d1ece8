import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  url: string;
  /** Ends every connection and renames the database, so reconnecting fails as in an outage. */
  cut: () => Promise<void>;
  drop: () => Promise<void>;
}

/** A fresh database on the PostgreSQL server at `serverUrl`, for one test file or benchmark run. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string[]) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      for (const statement of sql) await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run([`CREATE DATABASE ${name}`]);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    cut: () =>
      run([
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`,
        `ALTER DATABASE ${name} RENAME TO ${name}_gone`,
      ]),
    drop: () => run([`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${name}_gone WITH (FORCE)`]),
  };
}

/** The environment every test graph starts from: free ports, quiet logs, no files kept. */
export const testEnvironment = (): Record<string, string> => ({
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  HOST: '127.0.0.1',
  PORT: '0',
  IDENTITY_PORT: '0',
  PROFILES_PORT: '0',
  DEVICES_PORT: '0',
  ANALYTICS_PORT: '0',
  // Test files sign in and query far more often than a person; the rate limit test sets its own.
  RATE_LIMIT_POINTS: '1000000',
  RATE_LIMIT_ANONYMOUS_POINTS: '1000000',
  RATE_LIMIT_SENSITIVE_POINTS: '1000000',
  // The whole suite can run on either executor of query plans (`GATEWAY_EXECUTOR=iris pnpm test`).
  ...(process.env.GATEWAY_EXECUTOR ? { GATEWAY_EXECUTOR: process.env.GATEWAY_EXECUTOR } : {}),
});
