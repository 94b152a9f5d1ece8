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

  it("refuse values the sort column's type cannot hold, before they reach SQL", () => {
    const forged = (name: string, ...values: unknown[]) => Buffer.from(JSON.stringify([name, ...values])).toString('base64url');
    const byUuid: Sort<{ id: string }> = { name: 'thing.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };
    const byBigint: Sort<{ id: bigint }> = { name: 'thing.serial', keys: [{ field: 'id', direction: 'asc', type: 'bigint' }] };
    const byNumber: Sort<{ n: number }> = { name: 'thing.n', keys: [{ field: 'n', direction: 'asc', type: 'number' }] };
    const refused: [Sort<any>, string][] = [
      [byUuid, forged('thing.id', 'not-a-uuid')],
      [byUuid, forged('thing.id', "0190a000-0000-7000-8000-00000000001' OR 1=1")],
      [byUuid, forged('thing.id', 42)],
      [byBigint, forged('thing.serial', '99999999999999999999')],
      [byBigint, forged('thing.serial', '9223372036854775808')],
      [byBigint, forged('thing.serial', '1e5')],
      [byNumber, forged('thing.n', 2 ** 31)],
      [byNumber, forged('thing.n', 1.5)],
      [byNumber, forged('thing.n', 1e308)],
      [sort, forged('thing.createdAt', '+275760-09-13T00:00:00.000Z', 'b')],
      [sort, forged('thing.createdAt', '2026-01-02', 'b')],
      [sort, forged('thing.createdAt', '2026-01-02T03:04:05.678Z', 'nul\u0000byte')],
    ];
    for (const [sorted, cursor] of refused) {
      expect(codeOf(() => decodeCursor(cursor, sorted, 'before')), cursor).toEqual(['BAD_USER_INPUT', 'before']);
    }
    expect(decodeCursor(forged('thing.id', '0190a000-0000-7000-8000-000000000011'), byUuid, 'after')).toEqual(['0190a000-0000-7000-8000-000000000011']);
    expect(decodeCursor(forged('thing.serial', '9223372036854775807'), byBigint, 'after')).toEqual([9223372036854775807n]);
    expect(decodeCursor(forged('thing.n', -(2 ** 31)), byNumber, 'after')).toEqual([-(2 ** 31)]);
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
