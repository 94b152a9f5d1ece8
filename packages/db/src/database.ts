import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Config, Logger } from '@iris/core';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';
import { applyMigrations } from './migrate.js';

export type { PrismaClient };
export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  /** The connection string in use (for the embedded server, its loopback address). */
  url: string;
  embedded: boolean;
  /** How many SQL statements Prisma has sent so far. */
  statementCount: () => number;
  /** Throws when the database does not answer. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Opens the one database of this process: the PostgreSQL server at `DATABASE_URL`, or else an
 * embedded PostgreSQL (PGlite) served on a loopback port so that Prisma reaches both through the
 * same driver (`pg`) and the same adapter. Checked-in migrations are applied before it is returned.
 */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'IRIS_DATA_DIR'>,
  logger: Logger,
): Promise<Database> {
  const embedded = config.DATABASE_URL ? undefined : await startEmbeddedPostgres(config.IRIS_DATA_DIR, logger);
  const url = config.DATABASE_URL ?? embedded!.url;

  const migrator = new pg.Client({ connectionString: url });
  await migrator.connect();
  try {
    const ran = await applyMigrations(migrator);
    if (ran.length > 0) logger.info({ migrations: ran }, 'applied migrations');
  } finally {
    await migrator.end();
  }

  const adapter = new PrismaPg({
    connectionString: url,
    // Embedded: one connection. PGlite has a single backend, and pglite-socket interleaves the protocol
    // messages of concurrent connections one by one: connection A's Parse, then B's Parse replacing the
    // unnamed statement, then A's Bind and Execute run B's statement, so A gets B's rows. Found by the
    // soak run as NOT_FOUND for rows that exist. One connection queues statements in the pool instead,
    // which costs nothing, as the backend runs one statement at a time anyway.
    max: embedded ? 1 : config.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  // Every SQL statement Prisma sends, counted: tests hold request paths to a constant number of them.
  let statements = 0;
  prisma.$on('query', () => {
    statements += 1;
  });
  return {
    prisma,
    statementCount: () => statements,
    url,
    embedded: embedded !== undefined,
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    close: async () => {
      await prisma.$disconnect();
      await embedded?.stop();
    },
  };
}

interface EmbeddedPostgres {
  url: string;
  maxConnections: number;
  stop: () => Promise<void>;
}

async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  let db: PGlite;
  if (dataDir === 'memory') {
    db = await PGlite.create();
  } else {
    const dir = resolve(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    db = await PGlite.create({ dataDir: dir });
  }
  // PGlite runs one statement at a time; the socket server queues statements from all connections
  // and keeps a connection's transaction to itself until it ends.
  const maxConnections = 16;
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres`;
  logger.debug({ url, dataDir }, 'embedded PostgreSQL started');
  return {
    url,
    maxConnections,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
