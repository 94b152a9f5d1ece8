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
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(/PORT:.*\n.*DATABASE_URL: must be a postgresql:\/\/ URL/);
  });

  it('refuses to start in production without secrets from the environment', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_PRIVATE_KEY: required[\s\S]*DATABASE_URL: required/);
  });

  it('never seeds demo data in production or on a real server unless asked', () => {
    expect(shouldSeedDemoData(loadConfig({ DATABASE_URL: 'postgresql://db/iris' }))).toBe(false);
    expect(shouldSeedDemoData(loadConfig({ DATABASE_URL: 'postgresql://db/iris', SEED_DEMO_DATA: 'true' }))).toBe(true);
  });
});
