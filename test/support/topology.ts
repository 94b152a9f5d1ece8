import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import pg from 'pg';
import { createScratchDatabase, type ScratchDatabase } from './scratchDatabase.js';
import { startServiceProcess, type ServiceProcess } from './serviceProcess.js';

/**
 * Iris as it is deployed, on this machine: each service its own OS process (`pnpm start:<service>`),
 * on a fresh database of a PostgreSQL server and a Redis key prefix of its own. Two gateways, A in
 * front of devices A and B in front of devices B; identity, profiles, analytics and the analysis
 * worker are shared. Used by the topology test and `pnpm bench:topology`.
 */
export type TopologyProcess = 'identity' | 'profiles' | 'devicesA' | 'devicesB' | 'analytics' | 'worker' | 'gatewayA' | 'gatewayB';
export type GatewayName = 'gatewayA' | 'gatewayB';

const SERVICE: Record<TopologyProcess, string> = {
  identity: 'identity',
  profiles: 'profiles',
  devicesA: 'devices',
  devicesB: 'devices',
  analytics: 'analytics',
  worker: 'worker',
  gatewayA: 'gateway',
  gatewayB: 'gateway',
};
export const TOPOLOGY_PROCESSES = Object.keys(SERVICE) as TopologyProcess[];

export interface Topology {
  /** The processes running now (one killed is absent until started again). */
  running: Partial<Record<TopologyProcess, ServiceProcess>>;
  /** A process's GraphQL URL (the worker's: its health URL). */
  url: (name: TopologyProcess) => string;
  /** Starts a process again with the environment and port it had, and `env` from now on. */
  start: (name: TopologyProcess, env?: Record<string, string>) => Promise<void>;
  /** Resolves once the process's `/readyz` answers 200 (a gateway's: every subgraph it uses is ready). */
  ready: (name: TopologyProcess) => Promise<void>;
  /** A raw connection to the topology's database. */
  sql: pg.Client;
  /** The end of every process's output, for a failure's message. */
  logs: () => string;
  /** Kills every process, drops the database, deletes the Redis keys and the capture folder. */
  close: () => Promise<void>;
}

export interface TopologyOptions {
  /** A PostgreSQL server; a database is created on it and dropped by `close`. */
  postgresUrl: string;
  redisUrl: string;
  /** Variables for every process, then for one of them. */
  env?: Record<string, string>;
  envOf?: Partial<Record<TopologyProcess, Record<string, string>>>;
}

/** A port free now, so a process killed and started again comes back at the same address. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** Whether something answers at a Redis URL and at a PostgreSQL URL. */
export async function topologyServicesAnswer(postgresUrl: string, redisUrl: string): Promise<{ postgres: boolean; redis: boolean }> {
  const answers = (probe: () => Promise<unknown>) =>
    probe().then(
      () => true,
      () => false,
    );
  const redis = await answers(async () => {
    const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
    } finally {
      client.disconnect();
    }
  });
  const postgres = await answers(async () => {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    await client.end();
  });
  return { postgres, redis };
}

/** Starts every process, in two waves, and resolves when the gateways and the worker are ready. */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const scratch: ScratchDatabase = await createScratchDatabase(options.postgresUrl, 'iris_topology');
  const sql = new pg.Client({ connectionString: scratch.url });
  await sql.connect();
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-topology-'));
  const prefix = `iris-topology-${randomBytes(4).toString('hex')}:`;
  const keys = await generateKeyPair('ES256', { extractable: true });
  const [publicKey, privateKey] = [await exportSPKI(keys.publicKey), await exportPKCS8(keys.privateKey)];
  const ports = Object.fromEntries(await Promise.all(TOPOLOGY_PROCESSES.map(async (name) => [name, await freePort()]))) as Record<
    TopologyProcess,
    number
  >;
  const address = (name: TopologyProcess) => `http://127.0.0.1:${ports[name]}/graphql`;

  const shared = {
    DATABASE_URL: scratch.url,
    // Eight processes on one server that others may share: a few connections each.
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: prefix,
    JWT_PUBLIC_KEY: publicKey,
    GATEWAY_SECRET: randomBytes(32).toString('base64'),
    URL_SIGNING_SECRET: randomBytes(32).toString('base64'),
    // Captures are files that devices writes and the worker reads: one folder, as a shared volume.
    IRIS_DATA_DIR: dataDir,
    ...options.env,
  };
  const subgraph = (name: TopologyProcess, port: string, seed: boolean) => ({
    ...shared,
    [port]: String(ports[name]),
    SEED_DEMO_DATA: String(seed),
    PUBLIC_URL: `http://127.0.0.1:${ports.gatewayA}`,
  });
  const gateway = (name: TopologyProcess, devices: TopologyProcess) => ({
    ...shared,
    PORT: String(ports[name]),
    IDENTITY_URL: address('identity'),
    PROFILES_URL: address('profiles'),
    DEVICES_URL: address(devices),
    ANALYTICS_URL: address('analytics'),
  });
  const base: Record<TopologyProcess, Record<string, string>> = {
    identity: { ...subgraph('identity', 'IDENTITY_PORT', true), JWT_PRIVATE_KEY: privateKey },
    profiles: subgraph('profiles', 'PROFILES_PORT', true),
    devicesA: subgraph('devicesA', 'DEVICES_PORT', true),
    devicesB: subgraph('devicesB', 'DEVICES_PORT', false),
    analytics: subgraph('analytics', 'ANALYTICS_PORT', true),
    worker: { ...shared, WORKER_PORT: String(ports.worker) },
    gatewayA: gateway('gatewayA', 'devicesA'),
    gatewayB: gateway('gatewayB', 'devicesB'),
  };
  const env = Object.fromEntries(TOPOLOGY_PROCESSES.map((name) => [name, { ...base[name], ...options.envOf?.[name] }])) as Record<
    TopologyProcess,
    Record<string, string>
  >;

  const running: Topology['running'] = {};
  const url = (name: TopologyProcess) => {
    const process = running[name];
    if (!process) throw new Error(`${name} is not running`);
    return process.url;
  };
  const failedStarts: string[] = [];
  // A process that exits while starting is started again, as an orchestrator restarts a container:
  // on a saturated machine a start-up step can outlast its own timeout (a seed's transaction).
  const start = async (name: TopologyProcess, changes: Record<string, string> = {}) => {
    Object.assign(env[name], changes);
    for (let attempt = 1; ; attempt++) {
      try {
        running[name] = await startServiceProcess(SERVICE[name], env[name], 240_000);
        return;
      } catch (err) {
        if (attempt === 4) throw err;
        failedStarts.push(`${name}, attempt ${attempt}: ${(err as Error).message.slice(-2_000)}`);
      }
    }
  };
  const ready = async (name: TopologyProcess) => {
    const readyz = new URL('/readyz', url(name)).href;
    let last = '';
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
      try {
        const response = await fetch(readyz, { signal: AbortSignal.timeout(5_000) });
        if (response.ok) return;
        last = `${response.status} ${await response.text()}`;
      } catch (err) {
        last = String(err);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`${name} is not ready: ${last}`);
  };
  const logs = () =>
    [
      ...failedStarts.map((failure) => `--- failed start of ${failure}`),
      ...Object.entries(running).map(([name, process]) => `--- ${name}\n${process!.output().slice(-3_000)}`),
    ].join('\n');
  const close = async () => {
    await Promise.all(Object.values(running).map((process) => process!.stop('SIGKILL')));
    await sql.end().catch(() => undefined);
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
    const redis = new Redis(options.redisUrl);
    const stale = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`bull:${prefix.replace(/:$/, '')}*`))];
    if (stale.length > 0) await redis.del(...stale);
    await redis.quit();
  };

  try {
    // The subgraphs that seed the demo data first, then the rest: seeds are short transactions that a
    // machine busy starting eight processes at once can make outlast their timeout.
    await Promise.all((['identity', 'profiles', 'devicesA', 'analytics'] as const).map((name) => start(name)));
    await Promise.all((['devicesB', 'worker', 'gatewayA', 'gatewayB'] as const).map((name) => start(name)));
    await Promise.all((['gatewayA', 'gatewayB', 'worker'] as const).map(ready));
  } catch (err) {
    const output = logs();
    await close();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return { running, url, start, ready, sql, logs, close };
}

/** The demo portrait: one face, which the demo device's mode turns into a mark. */
export const PORTRAIT = readFileSync(new URL('../fixtures/images/astronaut.png', import.meta.url)).toString('base64');
