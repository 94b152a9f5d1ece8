import { loadConfig, DEMO, type Config, type Logger } from '@iris/core';
import { startGraph, type RunningGraph } from '@iris/server';
import { createScratchDatabase, testEnvironment } from './scratchDatabase.js';

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
  /** Lets the capture pipeline run to its end: analysis jobs, then the events they publish. */
  settle: () => Promise<void>;
  /** Makes the database unreachable (embedded: stopped; server: connections ended, renamed away). */
  cutDatabase: () => Promise<void>;
  stop: () => Promise<void>;
}

/**
 * Boots the whole graph for one test file on free ports, on its own database: a fresh in-memory
 * PGlite, or, when `DATABASE_URL` is set, a fresh database created on that server and dropped after.
 */
export async function startTestGraph(env: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<TestGraph> {
  const scratch = process.env.DATABASE_URL ? await createScratchDatabase(process.env.DATABASE_URL, 'iris_test') : undefined;
  const config = loadConfig({
    ...testEnvironment(),
    IRIS_DATA_DIR: 'memory',
    SEED_DEMO_DATA: 'true',
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    ...env,
  });
  const clock = new TestClock();
  const graph = await startGraph(config, { clock: clock.now, ...(options.logger ? { logger: options.logger } : {}) });

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
    settle: async () => {
      for (let i = 0; i < 3; i++) {
        await graph.bus.drain();
        await graph.drainJobs();
      }
      await graph.bus.drain();
    },
    cutDatabase: scratch ? scratch.cut : () => graph.database.close(),
    stop: async () => {
      await graph.close();
      await scratch?.drop();
    },
  };
}
