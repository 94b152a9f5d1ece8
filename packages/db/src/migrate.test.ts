import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations } from './migrate.js';

let db: PGlite;
let server: PGLiteSocketServer;
let client: pg.Client;

beforeEach(async () => {
  db = await PGlite.create();
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  client = new pg.Client({ connectionString: `postgresql://postgres:postgres@${server.getServerConn()}/postgres` });
  await client.connect();
});
afterEach(async () => {
  await client.end();
  await server.stop();
  await db.close();
});

describe('applyMigrations', () => {
  it('creates every subgraph schema once, with Prisma-compatible bookkeeping', async () => {
    const migrations = readMigrations();
    expect(await applyMigrations(client)).toEqual(migrations.map((m) => m.name));
    expect(await applyMigrations(client)).toEqual([]);

    const schemas = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname IN ('identity', 'profiles', 'devices', 'analytics') ORDER BY nspname`,
    );
    expect(schemas.rows.map((r) => r.nspname)).toEqual(['analytics', 'devices', 'identity', 'profiles']);
    const book = await client.query(`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(book.rows).toEqual(migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished_at: expect.any(Date) })));
  });

  it('refuses to go on when an applied migration was edited', async () => {
    const migrations = readMigrations();
    await applyMigrations(client, migrations);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
    await expect(applyMigrations(client, edited)).rejects.toThrow(/was changed after it was applied/);
  });

  it('rolls back a failing migration entirely and records nothing for it', async () => {
    const broken = {
      name: '99990101000000_broken',
      sql: 'CREATE TABLE "analytics"."Half" (id int); SELECT no_such_function();',
      checksum: '0'.repeat(64),
    };
    await expect(applyMigrations(client, [...readMigrations(), broken])).rejects.toThrow(/99990101000000_broken failed/);
    const half = await client.query(`SELECT to_regclass('"analytics"."Half"') AS t`);
    expect(half.rows[0].t).toBeNull();
    const book = await client.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1`, [broken.name]);
    expect(book.rowCount).toBe(0);
  });
});
