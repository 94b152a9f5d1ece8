import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { runServiceProcess } from './support/serviceProcess.js';

/**
 * With NODE_ENV=production every service started alone (`pnpm start:<service>`) refuses to start,
 * exit code 1, naming the variable, when a secret it uses is missing, or is a development default
 * printed in this repository. Nothing here reaches a database or Redis: the check comes first.
 */
const SECRETS = {
  GATEWAY_SECRET: 'a-production-gateway-secret-of-at-least-32-bytes',
  PAYMENT_WEBHOOK_SECRET: 'a-production-webhook-secret-of-at-least-32-bytes',
  URL_SIGNING_SECRET: 'a-production-url-signing-secret-of-at-least-32-bytes',
};

/** What each service uses of the secrets, beside the addresses it needs. */
const USES: Record<string, string[]> = {
  gateway: ['GATEWAY_SECRET', 'JWT_PUBLIC_KEY'],
  identity: ['GATEWAY_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'URL_SIGNING_SECRET', 'JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY'],
  profiles: ['GATEWAY_SECRET', 'URL_SIGNING_SECRET', 'JWT_PUBLIC_KEY'],
  devices: ['GATEWAY_SECRET', 'URL_SIGNING_SECRET', 'JWT_PUBLIC_KEY'],
  analytics: ['GATEWAY_SECRET', 'URL_SIGNING_SECRET', 'JWT_PUBLIC_KEY'],
};

let complete: Record<string, string>;

beforeAll(async () => {
  const keys = await generateKeyPair('ES256', { extractable: true });
  complete = {
    NODE_ENV: 'production',
    // Addresses only: the services refuse before connecting to anything.
    DATABASE_URL: 'postgresql://iris@127.0.0.1:9/iris',
    REDIS_URL: 'redis://127.0.0.1:9',
    IDENTITY_URL: 'http://127.0.0.1:9/graphql',
    PROFILES_URL: 'http://127.0.0.1:9/graphql',
    DEVICES_URL: 'http://127.0.0.1:9/graphql',
    ANALYTICS_URL: 'http://127.0.0.1:9/graphql',
    PUBLIC_URL: 'https://iris.example.com',
    JWT_PRIVATE_KEY: await exportPKCS8(keys.privateKey),
    JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
    ...SECRETS,
  };
});

const cases = Object.entries(USES).flatMap(([service, variables]) => variables.map((variable) => [service, variable] as const));

describe.concurrent('a service started alone with NODE_ENV=production', () => {
  it.each(cases)('%s refuses to start without %s, and names it', { timeout: 120_000 }, async (service, variable) => {
    const { [variable]: _left, ...env } = complete;
    const result = await runServiceProcess(service, env);
    expect(result.code, result.output).toBe(1);
    // A verifying service may name the key or the JWKS address identity publishes it at.
    const named = variable === 'JWT_PUBLIC_KEY' && service !== 'identity' ? 'JWT_PUBLIC_KEY or JWT_JWKS_URL' : variable;
    expect(result.output).toMatch(new RegExp(`^\\s*${named}: required`, 'm'));
  });

  it.each([
    ['identity', 'PAYMENT_WEBHOOK_SECRET', 'iris-development-webhook-secret'],
    ['devices', 'URL_SIGNING_SECRET', 'iris-development-url-signing-secret'],
  ])('%s refuses the development default of %s', { timeout: 120_000 }, async (service, variable, value) => {
    const result = await runServiceProcess(service, { ...complete, [variable]: value });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(new RegExp(`${variable}: is the development default`));
  });

  it('refuses a secret shorter than 32 bytes, naming it', { timeout: 120_000 }, async () => {
    const result = await runServiceProcess('gateway', { ...complete, GATEWAY_SECRET: 'sixteen-or-more-chars' });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/GATEWAY_SECRET: must be at least 32 bytes when NODE_ENV=production/);
  });
});
