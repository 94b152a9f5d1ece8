import { SUBGRAPH_NAMES } from '@iris/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import { MODEL_SCHEMAS } from './generated/modelSchemas.js';
import { modelSchemas, scopedClient } from './scopedClient.js';

let database: Database;

beforeAll(async () => {
  database = await openDatabase({ IRIS_DATA_DIR: 'memory', DATABASE_POOL_SIZE: 1 }, pino({ level: 'silent' }));
  // Starting PostgreSQL and applying every migration takes well over the default hook timeout on a busy machine.
}, 120_000);
afterAll(() => database?.close());

describe('scopedClient', () => {
  it("gives a subgraph its own models and refuses another subgraph's, naming the owner", async () => {
    const devices = scopedClient(database.prisma, 'devices');
    expect(await devices.deviceMark.count()).toBe(0);
    // @ts-expect-error identity's model is not in the devices client's type either
    expect(() => devices.account).toThrow(/The devices subgraph may not use Account: it is the identity subgraph's/);
    expect(() => (devices as unknown as Record<string, unknown>).profile).toThrow(/it is the profiles subgraph's/);
  });

  it('holds the tx of an interactive transaction to the same models, and runs raw SQL', async () => {
    const analytics = scopedClient(database.prisma, 'analytics');
    const counted = await analytics.$transaction(async (tx) => {
      // @ts-expect-error devices' model inside analytics' transaction
      expect(() => tx.deviceData).toThrow(/may not use DeviceData/);
      return tx.action.count();
    });
    expect(counted).toBe(0);
    expect(await analytics.$queryRaw<{ one: number }[]>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
    expect(await analytics.$transaction([analytics.action.count(), analytics.markStat.count()])).toEqual([0, 0]);
  });

  it('lets every subgraph use the models of no subgraph (the outbox), inside its transactions too', async () => {
    const shared = Object.entries(MODEL_SCHEMAS).filter(([, schema]) => !(SUBGRAPH_NAMES as readonly string[]).includes(schema ?? ''));
    expect(shared.length).toBeGreaterThan(0);
    for (const name of SUBGRAPH_NAMES) {
      const client = scopedClient(database.prisma, name);
      expect(await client.$transaction((tx) => tx.outboxEvent.count())).toBe(0);
    }
  });

  it('reads ownership from the generated data model, as the generated types do', () => {
    expect(modelSchemas(database.prisma)).toEqual(MODEL_SCHEMAS);
  });
});
