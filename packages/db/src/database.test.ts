import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';

describe('Statements counted for a request', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ IRIS_DATA_DIR: 'memory', DATABASE_POOL_SIZE: 4 }, pino({ level: 'silent' }));
  }, 120_000);
  afterAll(() => database?.close());

  /** Statements sent while the request runs, as a poller or relay would send them. */
  const background = async (until: () => boolean) => {
    let sent = 0;
    while (!until()) {
      await database.prisma.$queryRaw`SELECT 1`;
      sent += 1;
    }
    return sent;
  };

  it('counts the statements a request causes, however deep its async calls, and none of the work running beside it', async () => {
    const counter = database.countStatementsOf('r-1');
    let done = false;
    const beside = background(() => done);
    const totalBefore = database.statementCount();
    await database.onBehalfOf('r-1', async () => {
      await database.prisma.$queryRaw`SELECT 1`;
      // Deeper: a timer, a transaction, then two statements at once.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await database.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 2`;
      });
      await Promise.all([database.prisma.$queryRaw`SELECT 3`, database.prisma.$queryRaw`SELECT 4`]);
    });
    done = true;
    const sentBeside = await beside;
    // Prisma reports a transaction's query and its COMMIT (the adapter sends BEGIN unreported).
    expect(counter.count()).toBe(5);
    expect(sentBeside).toBeGreaterThan(0);
    expect(database.statementCount() - totalBefore).toBe(5 + sentBeside);
    counter.stop();
  });

  it('counts nothing for a request no one counts, nor for another request, nor after it stops', async () => {
    // A Prisma query is sent when awaited, so each is awaited inside.
    const select = async () => {
      await database.prisma.$queryRaw`SELECT 1`;
    };
    const counter = database.countStatementsOf('r-2');
    await database.onBehalfOf('r-3', select);
    await database.onBehalfOf(undefined, select);
    await select();
    await database.onBehalfOf('r-2', select);
    counter.stop();
    await database.onBehalfOf('r-2', select);
    expect(counter.count()).toBe(1);
  });
});
