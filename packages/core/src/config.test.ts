import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, shouldSeedDemoData } from './config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 4000, NODE_ENV: 'development', IRIS_DATA_DIR: '.iris-data' });
    expect(shouldSeedDemoData(config)).toBe(true);
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(
      /PORT:.*\n.*DATABASE_URL: must be a postgresql:\/\/ URL/,
    );
  });

  it('refuses to start in production without secrets from the environment', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_PRIVATE_KEY: required[\s\S]*DATABASE_URL: required/);
  });

  it('refuses production secrets that are the printed development defaults or shorter than 32 bytes, naming each', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://db/iris',
      JWT_PRIVATE_KEY: 'pem',
      JWT_PUBLIC_KEY: 'pem',
    };
    const strong = 'k3Jx9vQm2Lr8Tz5Wc1Np7Hs4Fd6Gb0Ya';
    const defaults = loadConfig({});
    let message = '';
    try {
      loadConfig({
        ...production,
        PAYMENT_WEBHOOK_SECRET: defaults.PAYMENT_WEBHOOK_SECRET,
        URL_SIGNING_SECRET: defaults.URL_SIGNING_SECRET,
        GATEWAY_SECRET: 'sixteen-bytes-ok',
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/PAYMENT_WEBHOOK_SECRET: is the development default/);
    expect(message).toMatch(/URL_SIGNING_SECRET: is the development default/);
    expect(message).toMatch(/GATEWAY_SECRET: must be at least 32 bytes when NODE_ENV=production; got 16/);
    expect(() => loadConfig({ ...production, PAYMENT_WEBHOOK_SECRET: strong, URL_SIGNING_SECRET: strong })).toThrow(
      /GATEWAY_SECRET: required when NODE_ENV=production/,
    );
    const config = loadConfig({
      ...production,
      PAYMENT_WEBHOOK_SECRET: strong,
      URL_SIGNING_SECRET: `${strong}-2`,
      GATEWAY_SECRET: `${strong}-3`,
    });
    expect(config.URL_SIGNING_SECRET).toBe(`${strong}-2`);
    // The development defaults still run everything outside production.
    expect(defaults.PAYMENT_WEBHOOK_SECRET).toBeTruthy();
  });

  it('asks a service started alone in production only for what it uses, and still checks every secret it is given', () => {
    const strong = 'k3Jx9vQm2Lr8Tz5Wc1Np7Hs4Fd6Gb0Ya';
    // A gateway: no signing key, no database, no payment or URL secret (server/src/requirements.ts asks for its own).
    const gateway = loadConfig(
      { NODE_ENV: 'production', JWT_JWKS_URL: 'http://identity:4001/.well-known/jwks.json', GATEWAY_SECRET: strong },
      { service: 'gateway' },
    );
    expect(gateway.JWT_PRIVATE_KEY).toBeUndefined();
    expect(() => loadConfig({ NODE_ENV: 'production', GATEWAY_SECRET: 'sixteen-bytes-ok' }, { service: 'gateway' })).toThrow(
      /GATEWAY_SECRET: must be at least 32 bytes/,
    );
    // The whole graph in one process still needs everything.
    expect(() => loadConfig({ NODE_ENV: 'production', GATEWAY_SECRET: strong })).toThrow(/JWT_PRIVATE_KEY: required/);
  });

  it('keeps the sign-in budget strict in production and generous elsewhere, unless set', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://db/iris', JWT_PRIVATE_KEY: 'pem', JWT_PUBLIC_KEY: 'pem' };
    const secrets = { PAYMENT_WEBHOOK_SECRET: 'a'.repeat(32), URL_SIGNING_SECRET: 'b'.repeat(32), GATEWAY_SECRET: 'c'.repeat(32) };
    expect(loadConfig({ ...production, ...secrets }).RATE_LIMIT_SENSITIVE_POINTS).toBe(20);
    expect(loadConfig({}).RATE_LIMIT_SENSITIVE_POINTS).toBe(1_000);
    expect(loadConfig({ RATE_LIMIT_SENSITIVE_POINTS: '7' }).RATE_LIMIT_SENSITIVE_POINTS).toBe(7);
  });

  it('never seeds demo data in production or on a real server unless asked', () => {
    expect(shouldSeedDemoData(loadConfig({ DATABASE_URL: 'postgresql://db/iris' }))).toBe(false);
    expect(shouldSeedDemoData(loadConfig({ DATABASE_URL: 'postgresql://db/iris', SEED_DEMO_DATA: 'true' }))).toBe(true);
  });
});
