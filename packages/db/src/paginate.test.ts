import { paginate, type Sort } from '@iris/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.js';
import type { AppModel } from './generated/prisma/models.js';

// The shared keyset pagination against real PostgreSQL (PGlite), with a compound sort key whose
// first column has ties, the case that naive offset or single-column cursors get wrong.
const sort: Sort<AppModel> = {
  name: 'app.createdAt',
  keys: [
    { field: 'createdAt', direction: 'desc', type: 'date' },
    { field: 'id', direction: 'asc', type: 'string' },
  ],
};

let database: Database;
const accountId = '0190a000-0000-7000-8000-00000000aaaa';
const list = (args: Parameters<typeof paginate>[0]) =>
  paginate(args, {
    sort,
    fetch: (q) => database.prisma.app.findMany({ ...q, where: { accountId, ...q.where } }),
    count: () => database.prisma.app.count({ where: { accountId } }),
  });

beforeAll(async () => {
  database = await openDatabase({ IRIS_DATA_DIR: 'memory', DATABASE_POOL_SIZE: 4 }, pino({ level: 'silent' }));
  await database.prisma.account.create({ data: { id: accountId, name: 'Pager', email: 'pager@iris.dev' } });
  const times = ['2026-01-01', '2026-01-02', '2026-01-02', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-04'];
  await database.prisma.app.createMany({
    data: times.map((t, i) => ({ id: `app-${i}`, accountId, name: `App ${i}`, platform: 'IOS', kind: 'TRIAL', createdAt: new Date(t) })),
  });
  // Starting PostgreSQL and applying every migration takes well over the default hook timeout on a busy machine.
}, 120_000);
afterAll(() => database?.close());

const expectedOrder = ['app-5', 'app-6', 'app-4', 'app-1', 'app-2', 'app-3', 'app-0'];

describe('paginate on PostgreSQL', () => {
  it('walks forward through every row exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Awaited<ReturnType<typeof list>> = await list({ first: 2, after });
      seen.push(...page.nodes.map((n) => n.id));
      pages += 1;
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(expectedOrder);
    expect(pages).toBe(4);
  });

  it('walks backward from the end to the same order', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof list>> = await list({ last: 3, before });
      seen.unshift(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(seen).toEqual(expectedOrder);
  });

  it('keeps a cursor valid while rows are inserted before and after it', async () => {
    const first = await list({ first: 3 });
    await database.prisma.app.create({
      data: { id: 'app-new', accountId, name: 'New', platform: 'IOS', kind: 'TRIAL', createdAt: new Date('2026-02-01') },
    });
    const next = await list({ first: 10, after: first.pageInfo.endCursor });
    expect(next.nodes.map((n) => n.id)).toEqual(['app-1', 'app-2', 'app-3', 'app-0']);
    expect(await next.totalCount()).toBe(8);
  });
});
