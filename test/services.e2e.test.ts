import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DEMO } from '@iris/core';
import { Redis } from 'ioredis';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from './support/scratchDatabase.js';
import { runServiceProcess, startServiceProcess, type ServiceProcess } from './support/serviceProcess.js';

/**
 * Each service runs alone (`pnpm start:<service>`), configured by the addresses of what it needs: here
 * identity alone on a scratch database and Redis, and the gateway alone in front of it, verifying
 * tokens with identity's published JWKS. A service missing a variable it needs exits and names it.
 */
const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';
const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
const redisAnswers = await probe.connect().then(
  () => true,
  () => false,
);
probe.disconnect();
if (!redisAnswers) console.warn(`No Redis answers at ${REDIS_URL}: the services-alone test is skipped.`);

// An address nothing listens on: the subgraphs this test does not start.
const NOWHERE = 'http://127.0.0.1:9/graphql';

describe('a service missing what it needs', () => {
  it('exits non-zero and names each missing variable', async () => {
    const gateway = await runServiceProcess('gateway', { IDENTITY_URL: 'http://127.0.0.1:4001/graphql' });
    expect(gateway.code).toBe(1);
    expect(gateway.output).toMatch(/Cannot start gateway: missing configuration/);
    for (const variable of ['PROFILES_URL', 'DEVICES_URL', 'ANALYTICS_URL', 'REDIS_URL', 'JWT_PUBLIC_KEY or JWT_JWKS_URL'])
      expect(gateway.output).toContain(`${variable}: required`);
    expect(gateway.output).not.toContain('IDENTITY_URL: required');

    const worker = await runServiceProcess('worker', { REDIS_URL });
    expect(worker.code).toBe(1);
    expect(worker.output).toMatch(/DATABASE_URL: required/);
  });

  it('exits non-zero on a bad value, naming the variable', async () => {
    const result = await runServiceProcess('profiles', { DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/DATABASE_URL: must be a postgresql:\/\/ URL/);
  });
});

describe.skipIf(!redisAnswers)('identity and the gateway, each alone', () => {
  let scratch: ScratchDatabase | undefined;
  let embedded: { db: PGlite; server: PGLiteSocketServer } | undefined;
  let identity: ServiceProcess | undefined;
  let gateway: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;
  let databaseUrl: string;
  let shared: Record<string, string>;

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      scratch = await createScratchDatabase(process.env.DATABASE_URL, 'iris_services');
      databaseUrl = scratch.url;
    } else {
      // PostgreSQL as a server would serve it, from an embedded one in this process.
      const db = await PGlite.create();
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
      await server.start();
      embedded = { db, server };
      databaseUrl = `postgresql://postgres:postgres@${server.getServerConn()}/postgres`;
    }
    const keys = await generateKeyPair('ES256', { extractable: true });
    shared = { REDIS_URL, REDIS_PREFIX: `iris-services-${randomBytes(4).toString('hex')}:` };
    identity = await startServiceProcess('identity', {
      ...shared,
      DATABASE_URL: databaseUrl,
      // The embedded server answers one connection's statements at a time (see @iris/db).
      ...(embedded ? { DATABASE_POOL_SIZE: '1' } : {}),
      SEED_DEMO_DATA: 'true',
      JWT_PRIVATE_KEY: await exportPKCS8(keys.privateKey),
      JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
    });
    gateway = await startServiceProcess('gateway', {
      ...shared,
      IDENTITY_URL: identity.url,
      PROFILES_URL: NOWHERE,
      DEVICES_URL: NOWHERE,
      ANALYTICS_URL: NOWHERE,
      JWT_JWKS_URL: new URL('/.well-known/jwks.json', identity.url).href,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await gateway?.stop();
    await identity?.stop();
    await scratch?.drop();
    await embedded?.server.stop();
    await embedded?.db.close();
  });

  const ask = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const response = await fetch(gateway!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  };

  it('signs in through the gateway and answers who is signed in, from identity in its own process', async () => {
    const login = await ask('mutation($input: LoginInput!) { login(input: $input) { accessToken } }', {
      input: { email: DEMO.mainUser.email, password: DEMO.password },
    });
    expect(login.errors).toBeUndefined();
    const me = await ask('{ me { id email } }', {}, login.data.login.accessToken);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.email).toBe(DEMO.mainUser.email);
  });

  it('runs the analysis worker alone, without GraphQL, healthy and ready once it reaches the database', async () => {
    worker = await startServiceProcess('worker', {
      ...shared,
      DATABASE_URL: databaseUrl,
      ...(embedded ? { DATABASE_POOL_SIZE: '1' } : {}),
      WORKER_PORT: '0',
    });
    expect((await fetch(new URL('/healthz', worker.url))).status).toBe(200);
    expect(await (await fetch(new URL('/readyz', worker.url))).json()).toEqual({ status: 'ready' });
    expect((await fetch(new URL('/graphql', worker.url))).status).toBe(404);
  });

  it('answers SERVICE_UNAVAILABLE for a subgraph that is not running, and stays up', async () => {
    const token = (
      await ask('mutation($input: LoginInput!) { login(input: $input) { accessToken } }', {
        input: { email: DEMO.mainUser.email, password: DEMO.password },
      })
    ).data.login.accessToken;
    const devices = await ask('{ me { account { devices(first: 1) { totalCount } } } }', {}, token);
    expect(devices.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect((await fetch(new URL('/healthz', gateway!.url))).status).toBe(200);
  });
});
