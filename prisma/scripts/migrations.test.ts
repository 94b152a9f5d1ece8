import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { readMigrations } from '../../packages/db/src/migrate.js';
import { pendingSchemaChanges, SNAPSHOT_FILE } from './new-migration.js';
import { diffSchemas } from './schema-engine.js';

/** Tables, columns, indexes, constraints and enums of the subgraph schemas, in a comparable form. */
async function describeCatalog(db: PGlite) {
  const schemas = `('identity', 'profiles', 'devices', 'analytics')`;
  const queries = {
    columns: `SELECT table_schema, table_name, column_name, data_type, udt_name, is_nullable, column_default
              FROM information_schema.columns WHERE table_schema IN ${schemas} ORDER BY 1, 2, 3`,
    indexes: `SELECT schemaname, indexname, indexdef FROM pg_indexes WHERE schemaname IN ${schemas} ORDER BY 1, 2`,
    constraints: `SELECT n.nspname, c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
                  JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname IN ${schemas} ORDER BY 1, 2`,
    enums: `SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels FROM pg_type t
            JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname IN ${schemas} GROUP BY 1, 2 ORDER BY 1, 2`,
  };
  const result: Record<string, unknown[]> = {};
  for (const [key, sql] of Object.entries(queries)) result[key] = (await db.query(sql)).rows;
  return result;
}

describe('migrations', () => {
  it('hold every change of the Prisma schema (run `pnpm migrations:new <name>` after editing prisma/schema)', async () => {
    expect(await pendingSchemaChanges()).toBe('');
  });

  it('build the same database as the schema snapshot they claim to reach', async () => {
    const migrated = await PGlite.create();
    for (const migration of readMigrations()) await migrated.exec(migration.sql);
    const fromSnapshot = await PGlite.create();
    await fromSnapshot.exec(await diffSchemas('empty', [{ path: SNAPSHOT_FILE, content: readFileSync(SNAPSHOT_FILE, 'utf8') }]));
    const [a, b] = [await describeCatalog(migrated), await describeCatalog(fromSnapshot)];
    expect(a.columns?.length).toBeGreaterThan(20);
    expect(a).toEqual(b);
    await Promise.all([migrated.close(), fromSnapshot.close()]);
  });
});
