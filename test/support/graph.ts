import { randomBytes } from 'node:crypto';
import { loadConfig, DEMO, type Config } from '@iris/core';
import { startGraph, type RunningGraph } from '@iris/graph';
import pg from 'pg';

/** A clock the test moves by hand, so token expiry is tested without waiting. */
export class TestClock {
  #offsetMs = 0;
  now = () => new Date(Date.now() + this.#offsetMs);
  advance(ms: number) {
    this.#offsetMs += ms;
  }
}

export interface GraphQLResponse<Data = Record<string, unknown>> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestGraph extends RunningGraph {
  clock: TestClock;
  config: Config;
  /** Sends a GraphQL operation to the gateway (or to `url`), as a client would. */
  request: <Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; url?: string; headers?: Record<string, string> },
  ) => Promise<GraphQLResponse<Data>>;
  /** Signs in through the gateway and returns the access token. */
  login: (email?: string, password?: string) => Promise<string>;
  /** Makes the database unreachable (embedded: stopped; server: connections ended, renamed away). */
  cutDatabase: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Boots the whole graph for one test file on free ports, on its own database: a fresh in-memory
 * PGlite, or, when `DATABASE_URL` is set, a fresh database created on that server and dropped after.
 */
export async function startTestGraph(env: Record<string, string> = {}): Promise<TestGraph> {
  const serverUrl = process.env.DATABASE_URL;
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  let cutDatabase: () => Promise<void> = async () => {};
  if (serverUrl) {
    const name = `iris_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    const adminRun = async (sql: string[]) => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      for (const statement of sql) await client.query(statement);
      await client.end();
    };
    dropDatabase = () => adminRun([`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${name}_gone WITH (FORCE)`]);
    // Ends every connection and renames the database, so reconnecting fails as in an outage.
    cutDatabase = () =>
      adminRun([
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`,
        `ALTER DATABASE ${name} RENAME TO ${name}_gone`,
      ]);
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    IDENTITY_PORT: '0',
    PROFILES_PORT: '0',
    DEVICES_PORT: '0',
    ANALYTICS_PORT: '0',
    IRIS_DATA_DIR: 'memory',
    SEED_DEMO_DATA: 'true',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const clock = new TestClock();
  const graph = await startGraph(config, { clock: clock.now });

  const request: TestGraph['request'] = async (query, variables, options = {}) => {
    const response = await fetch(options.url ?? graph.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as never;
  };
  const login = async (email: string = DEMO.mainUser.email, password: string = DEMO.password) => {
    const result = await request<{ login: { accessToken: string } }>(
      'mutation($input: LoginInput!) { login(input: $input) { accessToken } }',
      { input: { email, password } },
    );
    if (!result.data?.login) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
    return result.data.login.accessToken;
  };
  return {
    ...graph,
    clock,
    config,
    request,
    login,
    cutDatabase: serverUrl ? cutDatabase : () => graph.database.close(),
    stop: async () => {
      await graph.close();
      await dropDatabase();
    },
  };
}
