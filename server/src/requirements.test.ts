import { loadConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { describeMissing, missingVariables, SERVICES } from './requirements.js';

const complete = loadConfig({
  IDENTITY_URL: 'http://identity:4001/graphql',
  PROFILES_URL: 'http://profiles:4002/graphql',
  DEVICES_URL: 'http://devices:4003/graphql',
  ANALYTICS_URL: 'http://analytics:4004/graphql',
  DATABASE_URL: 'postgresql://iris@postgres/iris',
  REDIS_URL: 'redis://redis:6379',
  JWT_PRIVATE_KEY: 'private',
  JWT_PUBLIC_KEY: 'public',
  PUBLIC_URL: 'https://iris.example.com',
});

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
    expect(missingVariables('gateway', loadConfig({ ...envOf(complete), JWT_PUBLIC_KEY: undefined, JWT_JWKS_URL: 'http://identity:4001/.well-known/jwks.json' }))).toEqual([]);
  });

  it('asks identity for its signing keys and the others only for a way to verify', () => {
    const withoutKeys = loadConfig({ ...envOf(complete), JWT_PRIVATE_KEY: undefined, JWT_PUBLIC_KEY: undefined });
    expect(missingVariables('identity', withoutKeys).map((m) => m.variable)).toEqual(['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEY']);
    expect(missingVariables('profiles', withoutKeys).map((m) => m.variable)).toEqual(['JWT_PUBLIC_KEY or JWT_JWKS_URL']);
    expect(missingVariables('worker', withoutKeys)).toEqual([]);
  });

  it('asks devices for the public address its signed URLs point at', () => {
    expect(missingVariables('devices', loadConfig({ ...envOf(complete), PUBLIC_URL: undefined })).map((m) => m.variable)).toEqual(['PUBLIC_URL']);
  });

  it('asks every service that keeps data for PostgreSQL and Redis, and says why', () => {
    const bare = loadConfig({ JWT_PUBLIC_KEY: 'public' });
    for (const service of ['profiles', 'analytics', 'worker'] as const) {
      expect(missingVariables(service, bare).map((m) => m.variable)).toEqual(['DATABASE_URL', 'REDIS_URL']);
    }
    expect(describeMissing('worker', missingVariables('worker', bare))).toMatch(/^Cannot start worker: missing configuration\n {2}DATABASE_URL: required, .*PostgreSQL.*\n {2}REDIS_URL: required, .*job queue/);
  });
});

function envOf(config: Record<string, unknown>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
}
