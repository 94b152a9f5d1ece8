import { AsyncLocalStorage } from 'node:async_hooks';
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
  /** How many SQL statements Prisma has sent so far, for anyone (background work included). */
  statementCount: () => number;
  /**
   * Counts, from now on, the SQL statements sent on behalf of the request with this id (its
   * `x-request-id`; see {@link Database.onBehalfOf}), and no one else's: not the outbox relay's, not a
   * poller's, not another request's. Tests hold a request to a constant number of statements with it.
   */
  countStatementsOf: (requestId: string) => StatementCounter;
  /**
   * Runs `fn` on behalf of request `requestId`: every statement it causes, however deep in its async
   * calls, is counted for that request when someone counts them. Otherwise it just runs `fn`.
   */
  onBehalfOf: <T>(requestId: string | undefined, fn: () => T) => T;
  /** Throws when the database does not answer. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Options for the transactions a process runs while it starts (demo data): Prisma's defaults (wait 2 s
 * for a connection, 5 s to finish) are sized for requests, and a start-up that gives up on a busy
 * machine leaves no graph at all, so these wait for as long as a slow start plausibly takes.
 */
export const STARTUP_TRANSACTION = { maxWait: 30_000, timeout: 60_000 } as const;

export interface StatementCounter {
  /** The statements sent on behalf of the request so far. */
  count: () => number;
  /** Stops counting (the count stays readable). */
  stop: () => void;
}

/** The request on whose behalf the current async call chain runs, while its statements are counted. */
const onBehalfOfRequest = new AsyncLocalStorage<string>();

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
    // Also how long a statement waits in the pool's queue for a connection. Embedded, every statement
    // queues for the one connection, behind whole transactions (seeding, a relay's batch): on a busy
    // machine that can take over 5 s, so there it waits as long as a start-up transaction may (30 s).
    connectionTimeoutMillis: embedded ? STARTUP_TRANSACTION.maxWait : 5_000,
    idleTimeoutMillis: 30_000,
  });
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  // Every SQL statement Prisma sends, counted: tests hold request paths to a constant number of them.
  // Prisma emits the event in the async context of the call that sent the statement, so a statement
  // is told apart by the request it was sent for; background work (the outbox relay, pollers) runs
  // outside any request and is never counted for one.
  let statements = 0;
  const counted = new Map<string, number>();
  prisma.$on('query', () => {
    statements += 1;
    const requestId = onBehalfOfRequest.getStore();
    const sofar = requestId === undefined ? undefined : counted.get(requestId);
    if (sofar !== undefined) counted.set(requestId!, sofar + 1);
  });
  return {
    prisma,
    statementCount: () => statements,
    countStatementsOf: (requestId) => {
      counted.set(requestId, 0);
      let final: number | undefined;
      return {
        count: () => final ?? counted.get(requestId) ?? 0,
        stop: () => {
          final ??= counted.get(requestId) ?? 0;
          counted.delete(requestId);
        },
      };
    },
    // Only requests being counted enter an async context: the others pay nothing for it.
    onBehalfOf: (requestId, fn) => (requestId !== undefined && counted.has(requestId) ? onBehalfOfRequest.run(requestId, fn) : fn()),
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
