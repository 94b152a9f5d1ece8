import { describe, expect, it, vi } from 'vitest';
import { decodeCursor, encodeCursor, paginate, type KeysetQuery, type Sort } from './connections.js';
import { CursorSealer, cursorSealer } from './cursorSealing.js';
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
    const byEveryType: Sort<{ u: string; n: number; b: bigint; d: Date; s: string }> = {
      name: 'thing.all',
      keys: [
        { field: 'u', direction: 'asc', type: 'uuid' },
        { field: 'n', direction: 'asc', type: 'number' },
        { field: 'b', direction: 'asc', type: 'bigint' },
        { field: 'd', direction: 'asc', type: 'date' },
        { field: 's', direction: 'asc', type: 'string' },
      ],
    };
    const values = {
      u: '0190a000-0000-7000-8000-0000000000ff',
      n: -(2 ** 31),
      b: -(2n ** 63n),
      d: new Date('0001-01-01T00:00:00.000Z'),
      s: 'é ✓ 日本',
    };
    expect(decodeCursor(encodeCursor(byEveryType, values), byEveryType, 'before')).toEqual(Object.values(values));
  });

  it('are deterministic: the same position gives the same cursor, on any instance sharing the secret', () => {
    const first = encodeCursor(sort, row);
    expect(encodeCursor(sort, { ...row })).toBe(first);
    // Another process with the same secret: a new sealer, the same keys derived.
    const connection = JSON.stringify([sort.name]);
    const other = new CursorSealer('iris-development-url-signing-secret');
    const position = other.open(connection, first);
    expect(position).toBeDefined();
    expect(other.seal(connection, position!)).toBe(first);
    expect(encodeCursor(sort, { ...row, id: 'c' })).not.toBe(first);
  });

  it('are opaque and short: no field name, sort name or row id can be read from them', () => {
    const byId: Sort<{ id: bigint }> = { name: 'profile.id', keys: [{ field: 'id', direction: 'asc', type: 'bigint' }] };
    const cursor = encodeCursor(byId, { id: 9_123_456_789_012_345n });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    // 1 format byte, a 16-byte tag, the 8-byte id: 25 bytes in 34 characters.
    expect(cursor).toHaveLength(34);
    const decoded = Buffer.from(cursor, 'base64url');
    for (const text of [decoded.toString('latin1'), decoded.toString('utf8'), decoded.toString('hex')]) {
      for (const readable of ['9123456789012345', '12345', 'profile', 'id']) expect(text).not.toContain(readable);
    }
    // Nor its bytes: the id is not there in binary either.
    const raw = Buffer.alloc(8);
    raw.writeBigInt64BE(9_123_456_789_012_345n);
    expect(decoded.includes(raw)).toBe(false);
  });

  it('refuse tampered, truncated, foreign-key and old-format cursors with an actionable BAD_USER_INPUT', () => {
    const good = encodeCursor(sort, row);
    const bytes = Buffer.from(good, 'base64url');
    const flipped = (i: number) => {
      const copy = Buffer.from(bytes);
      copy[i]! ^= 0x01;
      return copy.toString('base64url');
    };
    const foreign = new CursorSealer('another deployment, another secret').seal(
      JSON.stringify([sort.name]),
      Buffer.from(bytes.subarray(17)),
    );
    const oldFormat = Buffer.from(JSON.stringify(['thing.createdAt', '2026-01-02T03:04:05.678Z', 'b'])).toString('base64url');
    const refused = [
      flipped(0),
      flipped(1),
      flipped(10),
      flipped(bytes.length - 1),
      good.slice(0, -2),
      good.slice(0, 10),
      `${good}AA`,
      foreign,
      oldFormat,
      'not base64!',
      '',
      'AQ',
      Buffer.from('{}').toString('base64url'),
    ];
    for (const cursor of refused) {
      expect(
        codeOf(() => decodeCursor(cursor, sort, 'after')),
        cursor,
      ).toEqual(['BAD_USER_INPUT', 'after']);
    }
    expect(() => decodeCursor(flipped(20), sort, 'after')).toThrow(
      /Invalid cursor in `after`: pass `pageInfo.endCursor`.*from a previous page of this same connection/,
    );
  });

  it('refuse a cursor of another ordering, or of another list of the same ordering', () => {
    const other: Sort<Row> = { name: 'thing.id', keys: [{ field: 'id', direction: 'asc', type: 'string' }] };
    expect(codeOf(() => decodeCursor(encodeCursor(other, row), sort, 'after'))).toEqual(['BAD_USER_INPUT', 'after']);
    const ofAppA = encodeCursor(sort, row, 'app A');
    expect(decodeCursor(ofAppA, sort, 'after', 'app A')).toEqual([row.createdAt, 'b']);
    expect(codeOf(() => decodeCursor(ofAppA, sort, 'after', 'app B'))).toEqual(['BAD_USER_INPUT', 'after']);
    expect(codeOf(() => decodeCursor(ofAppA, sort, 'after'))).toEqual(['BAD_USER_INPUT', 'after']);
  });

  it("refuse positions the sort column's type cannot hold, before they reach SQL (a sort changed under its name)", () => {
    // Positions sealed with the process's key, as a sort of another release with the same name would have.
    const sealed = (name: string, ...parts: Buffer[]) => cursorSealer().seal(JSON.stringify([name]), Buffer.concat(parts));
    const int64 = (value: bigint) => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(value);
      return bytes;
    };
    const text = (value: string) => {
      const bytes = Buffer.from(value, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return Buffer.concat([length, bytes]);
    };
    const byUuid: Sort<{ id: string }> = { name: 'thing.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };
    const uuid = Buffer.from('0190a000000070008000000000000011', 'hex');
    const refused: [Sort<any>, string][] = [
      [byUuid, sealed('thing.id', uuid.subarray(0, 15))],
      [byUuid, sealed('thing.id', uuid, Buffer.of(0))],
      [sort, sealed('thing.createdAt', int64(8_640_000_000_000_001n), text('b'))],
      [sort, sealed('thing.createdAt', int64(BigInt(Date.UTC(10_000, 0, 1))), text('b'))],
      [sort, sealed('thing.createdAt', int64(BigInt(row.createdAt.getTime())), text('nul\u0000byte'))],
      [sort, sealed('thing.createdAt', int64(BigInt(row.createdAt.getTime())), Buffer.from([0, 0, 0, 9]), Buffer.from('b'))],
    ];
    for (const [sorted, cursor] of refused) {
      expect(
        codeOf(() => decodeCursor(cursor, sorted, 'before')),
        cursor,
      ).toEqual(['BAD_USER_INPUT', 'before']);
    }
    expect(decodeCursor(sealed('thing.id', uuid), byUuid, 'after')).toEqual(['0190a000-0000-7000-8000-000000000011']);
  });
});

describe('paginate', () => {
  it("seals a row's cursor only when a client reads it, and the same cursor as encodeCursor", async () => {
    const rows: Row[] = ['a', 'b', 'c'].map((id) => ({ createdAt: row.createdAt, id }));
    const seal = vi.spyOn(cursorSealer(), 'seal');
    try {
      const connection = await paginate({ first: 2 }, { sort, fetch: async () => rows, count: async () => 3 });
      expect(connection.nodes).toEqual(rows.slice(0, 2));
      expect(seal).not.toHaveBeenCalled();
      expect(connection.pageInfo.endCursor).toBe(encodeCursor(sort, rows[1]!));
      expect(connection.edges.map((edge) => edge.cursor)).toEqual([encodeCursor(sort, rows[0]!), connection.pageInfo.endCursor]);
      expect(connection.pageInfo.startCursor).toBe(connection.edges[0]!.cursor);
    } finally {
      seal.mockRestore();
    }
  });

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
    await paginate({ first: 2, after: encodeCursor(sort, row) }, { sort, fetch: async (q) => ((seen = q), []), count: async () => 0 });
    expect(seen).toEqual({
      take: 3,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      where: {
        AND: [
          { createdAt: { lte: row.createdAt } },
          { OR: [{ createdAt: { lt: row.createdAt } }, { createdAt: row.createdAt, id: { gt: 'b' } }] },
        ],
      },
    });
  });

  it('reverses the order and the comparisons when paging backwards', async () => {
    let seen: KeysetQuery | undefined;
    await paginate({ last: 2, before: encodeCursor(sort, row) }, { sort, fetch: async (q) => ((seen = q), []), count: async () => 0 });
    expect(seen).toEqual({
      take: 3,
      orderBy: [{ createdAt: 'asc' }, { id: 'desc' }],
      where: {
        AND: [
          { createdAt: { gte: row.createdAt } },
          { OR: [{ createdAt: { gt: row.createdAt } }, { createdAt: row.createdAt, id: { lt: 'b' } }] },
        ],
      },
    });
  });
});
