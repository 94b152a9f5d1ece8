import { loadConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { describeMissing, missingVariables, SERVICES } from './requirements.js';

const completeEnv: Record<string, string | undefined> = {
  IDENTITY_URL: 'http://identity:4001/graphql',
  PROFILES_URL: 'http://profiles:4002/graphql',
  DEVICES_URL: 'http://devices:4003/graphql',
  ANALYTICS_URL: 'http://analytics:4004/graphql',
  DATABASE_URL: 'postgresql://iris@postgres/iris',
  REDIS_URL: 'redis://redis:6379',
  JWT_PRIVATE_KEY: 'private',
  JWT_PUBLIC_KEY: 'public',
  PUBLIC_URL: 'https://iris.example.com',
};
const complete = loadConfig(completeEnv);

describe('missingVariables', () => {
  it('asks nothing more of a service whose addresses, database, bus and keys are set', () => {
    for (const service of SERVICES) expect(missingVariables(service, complete)).toEqual([]);
  });

  it("names what the gateway needs: the subgraphs' addresses, Redis and a way to verify tokens", () => {
    expect(missingVariables('gateway', loadConfig({})).map((m) => m.variable)).toEqual([
      'IDENTITY_URL',
      'PROFILES_URL',
      'DEVICES_URL',
      'ANALYTICS_URL',
      'REDIS_URL',
      'JWT_PUBLIC_KEY or JWT_JWKS_URL',
    ]);
    expect(
      missingVariables(
        'gateway',
        loadConfig({ ...completeEnv, JWT_PUBLIC_KEY: undefined, JWT_JWKS_URL: 'http://identity:4001/.well-known/jwks.json' }),
      ),
    ).toEqual([]);
  });

  it('asks identity for its signing keys and the others only for a way to verify', () => {
    const withoutKeys = loadConfig({ ...completeEnv, JWT_PRIVATE_KEY: undefined, JWT_PUBLIC_KEY: undefined });
    expect(missingVariables('identity', withoutKeys).map((m) => m.variable)).toEqual(['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY']);
    expect(missingVariables('profiles', withoutKeys).map((m) => m.variable)).toEqual(['JWT_PUBLIC_KEY or JWT_JWKS_URL']);
    expect(missingVariables('worker', withoutKeys)).toEqual([]);
  });

  it('asks devices for the public address its signed URLs point at', () => {
    expect(missingVariables('devices', loadConfig({ ...completeEnv, PUBLIC_URL: undefined })).map((m) => m.variable)).toEqual([
      'PUBLIC_URL',
    ]);
  });

  it('asks every service that keeps data for PostgreSQL and Redis, and says why', () => {
    const bare = loadConfig({ JWT_PUBLIC_KEY: 'public' });
    for (const service of ['profiles', 'analytics', 'worker'] as const) {
      expect(missingVariables(service, bare).map((m) => m.variable)).toEqual(['DATABASE_URL', 'REDIS_URL']);
    }
    expect(describeMissing('worker', missingVariables('worker', bare))).toMatch(
      /^Cannot start worker: missing configuration\n {2}DATABASE_URL: required, .*PostgreSQL.*\n {2}REDIS_URL: required, .*job queue/,
    );
  });

  describe('with NODE_ENV=production', () => {
    // loadConfig refuses production without every secret; the services' own list is checked on what it returns.
    const production = (env: Record<string, string | undefined>) => ({
      ...loadConfig({ ...completeEnv, ...env, NODE_ENV: 'test' }),
      NODE_ENV: 'production' as const,
    });
    const secrets = { GATEWAY_SECRET: 'g'.repeat(40), PAYMENT_WEBHOOK_SECRET: 'p'.repeat(40), URL_SIGNING_SECRET: 'u'.repeat(40) };

    it('asks nothing more once every secret is set', () => {
      for (const service of SERVICES) expect(missingVariables(service, production(secrets))).toEqual([]);
    });

    it('asks each service for the secrets it uses, and the worker for none', () => {
      const bare = production({});
      const asked = Object.fromEntries(SERVICES.map((service) => [service, missingVariables(service, bare).map((m) => m.variable)]));
      expect(asked).toEqual({
        gateway: ['GATEWAY_SECRET'],
        identity: ['GATEWAY_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'URL_SIGNING_SECRET'],
        profiles: ['GATEWAY_SECRET', 'URL_SIGNING_SECRET'],
        devices: ['GATEWAY_SECRET', 'URL_SIGNING_SECRET'],
        analytics: ['GATEWAY_SECRET', 'URL_SIGNING_SECRET'],
        worker: [],
      });
      expect(describeMissing('devices', missingVariables('devices', bare))).toMatch(
        /URL_SIGNING_SECRET: required, the key devices signs upload, media and stream URLs and seals page cursors with \(required when NODE_ENV=production\)/,
      );
    });

    it('counts the development default of a secret as missing', () => {
      const defaults = production({ GATEWAY_SECRET: secrets.GATEWAY_SECRET });
      expect(missingVariables('identity', defaults).map((m) => m.variable)).toEqual(['PAYMENT_WEBHOOK_SECRET', 'URL_SIGNING_SECRET']);
      expect(missingVariables('devices', defaults).map((m) => m.variable)).toEqual(['URL_SIGNING_SECRET']);
    });

    it('asks nothing of the kind outside production', () => {
      for (const service of SERVICES) expect(missingVariables(service, complete)).toEqual([]);
    });
  });
});
