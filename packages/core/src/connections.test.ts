import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, paginate, type KeysetQuery, type Sort } from './connections.js';
import { IrisError } from './errors.js';

type Row = { createdAt: Date; id: string };
const sort: Sort<Row> = {
  name: 'thing.createdAt',
  keys: [
    { field: 'createdAt', direction: 'desc', type: 'date' },
    { field: 'id', direction: 'asc', type: 'string' },
  ],
};
const row: Row = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: 'b' };

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof IrisError ? [err.extensions.code, err.extensions.field] : err;
  }
  return 'no error';
};

describe('cursors', () => {
  it('round-trip the sort key values with their types', () => {
    expect(decodeCursor(encodeCursor(sort, row), sort, 'after')).toEqual([row.createdAt, 'b']);
  });

  it('refuse a cursor of another ordering, garbage, and tampered values', () => {
    const other: Sort<Row> = { name: 'thing.id', keys: [{ field: 'id', direction: 'asc', type: 'string' }] };
    const tampered = Buffer.from(JSON.stringify(['thing.createdAt', 'not a date', 'b'])).toString('base64url');
    for (const cursor of [encodeCursor(other, row), 'not base64!', '', tampered, Buffer.from('{}').toString('base64url')]) {
      expect(codeOf(() => decodeCursor(cursor, sort, 'after'))).toEqual(['BAD_USER_INPUT', 'after']);
    }
  });
});

describe('paginate', () => {
  const noRows = async (_query: KeysetQuery) => [] as Row[];
  const run = (args: Parameters<typeof paginate>[0]) => paginate(args, { sort, fetch: noRows, count: async () => 0 });

  it.each([
    [{ first: -1 }, 'first'],
    [{ first: 101 }, 'first'],
    [{ last: 1000 }, 'last'],
    [{ first: 1, last: 1 }, 'first'],
    [{ first: 1, after: 'bogus' }, 'after'],
  ])('refuses %j as BAD_USER_INPUT on `%s`', async (args, field) => {
    await expect(run(args)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
  });

  it('asks for one row more than the page, in sort order, past the cursor', async () => {
    let seen: KeysetQuery | undefined;
    await paginate(
      { first: 2, after: encodeCursor(sort, row) },
      { sort, fetch: async (q) => ((seen = q), []), count: async () => 0 },
    );
    expect(seen).toEqual({
      take: 3,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      where: {
        AND: [{ createdAt: { lte: row.createdAt } }, { OR: [{ createdAt: { lt: row.createdAt } }, { createdAt: row.createdAt, id: { gt: 'b' } }] }],
      },
    });
  });

  it('reverses the order and the comparisons when paging backwards', async () => {
    let seen: KeysetQuery | undefined;
    await paginate(
      { last: 2, before: encodeCursor(sort, row) },
      { sort, fetch: async (q) => ((seen = q), []), count: async () => 0 },
    );
    expect(seen).toEqual({
      take: 3,
      orderBy: [{ createdAt: 'asc' }, { id: 'desc' }],
      where: {
        AND: [{ createdAt: { gte: row.createdAt } }, { OR: [{ createdAt: { gt: row.createdAt } }, { createdAt: row.createdAt, id: { lt: 'b' } }] }],
      },
    });
  });
});
