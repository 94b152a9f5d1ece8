/**
 * Writes the next migration from what changed in the Prisma schema since the last one, as
 * `prisma migrate dev --create-only` would, with no download:
 *
 *   pnpm migrations:new add_device_zones   # writes prisma/migrations/<timestamp>_add_device_zones/
 *   pnpm migrations:check                  # exits 1 when the schema has changes no migration holds
 *
 * `prisma/migrations/schema.snapshot.prisma` keeps the schema the migrations lead to; a test checks
 * that replaying the migrations gives the same database as that snapshot.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../../packages/db/src/migrate.js';
import { concatSchema, diffSchemas, EMPTY_MIGRATION, readSchemaFiles } from './schema-engine.js';

export const SCHEMA_DIR = new URL('../schema/', import.meta.url).pathname;
export const SNAPSHOT_FILE = join(MIGRATIONS_DIR, 'schema.snapshot.prisma');

/** The SQL from the last migration's schema to the current one; '' when nothing changed. */
export async function pendingSchemaChanges(): Promise<string> {
  const current = readSchemaFiles(SCHEMA_DIR);
  const from = existsSync(SNAPSHOT_FILE) ? [{ path: SNAPSHOT_FILE, content: readFileSync(SNAPSHOT_FILE, 'utf8') }] : 'empty';
  const sql = await diffSchemas(from, current);
  return sql.trim() === EMPTY_MIGRATION ? '' : sql;
}

async function main(args: string[]) {
  const changes = await pendingSchemaChanges();
  if (args[0] === '--check') {
    if (changes) {
      console.error(`The Prisma schema has changes no migration holds. Run \`pnpm migrations:new <name>\`.\n\n${changes}`);
      process.exit(1);
    }
    console.log('Migrations match the Prisma schema.');
    return;
  }
  const name = args[0];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: pnpm migrations:new <snake_case_name>');
    process.exit(2);
  }
  if (!changes) {
    console.log('The Prisma schema matches the migrations; nothing to write.');
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), changes);
  writeFileSync(SNAPSHOT_FILE, concatSchema(readSchemaFiles(SCHEMA_DIR)));
  console.log(`Wrote ${join(dir, 'migration.sql')}`);
}

if (process.argv[1]?.endsWith('new-migration.ts')) await main(process.argv.slice(2));
