import { badUserInput } from './errors.js';
import { isUuid } from './loaders.js';

/** The four relay arguments every connection field takes. */
export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * What a sort column holds, so that a cursor is checked against it before it reaches SQL: `uuid` (a
 * `@db.Uuid` column), `string` (text), `number` (a 32-bit integer), `bigint` (a 64-bit integer) or
 * `date` (a timestamp, as the ISO text Iris writes). A forged cursor holding anything else is refused
 * as `BAD_USER_INPUT` instead of failing in PostgreSQL.
 */
export type SortValueType = 'uuid' | 'string' | 'number' | 'bigint' | 'date';
export type SortDirection = 'asc' | 'desc';

/**
 * One column of a keyset. The last column of a sort must be unique (usually the primary key) so
 * every row has exactly one position and cursors stay stable while rows are inserted.
 */
export interface SortKey<Row> {
  field: keyof Row & string;
  direction: SortDirection;
  type: SortValueType;
}

export interface Sort<Row> {
  /** Written into every cursor, so a cursor made for one ordering is refused by another. */
  name: string;
  keys: readonly SortKey<Row>[];
}

/** What a data layer passes to `findMany`: a Prisma-compatible `where`, `orderBy` and `take`. */
export interface KeysetQuery {
  where: Record<string, unknown> | undefined;
  orderBy: Record<string, SortDirection>[];
  take: number;
}

export interface Edge<Row> {
  cursor: string;
  node: Row;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<Row> {
  edges: Edge<Row>[];
  nodes: Row[];
  pageInfo: PageInfo;
  /** Resolved only when a client asks for it (graphql-js calls function-valued fields). */
  totalCount: () => Promise<number>;
}

export interface PaginateOptions<Row> {
  sort: Sort<Row>;
  fetch: (query: KeysetQuery) => Promise<Row[]>;
  count: () => Promise<number>;
  defaultPageSize?: number;
  maxPageSize?: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * Relay pagination over a keyset: fetches `size + 1` rows past the cursor in index order, so the
 * cost of a page does not depend on how deep it is, and `hasNextPage` is known without a count.
 */
export async function paginate<Row>(args: ConnectionArgs, options: PaginateOptions<Row>): Promise<Connection<Row>> {
  const { sort } = options;
  const window = readWindow(args, options.defaultPageSize ?? DEFAULT_PAGE_SIZE, options.maxPageSize ?? MAX_PAGE_SIZE);
  const cursorArg = window.backward ? args.before : args.after;
  const position = cursorArg != null ? decodeCursor(cursorArg, sort, window.backward ? 'before' : 'after') : undefined;

  const rows = await options.fetch({
    where: position ? keysetWhere(sort.keys, position, window.backward) : undefined,
    orderBy: sort.keys.map((k) => ({ [k.field]: window.backward ? flip(k.direction) : k.direction })),
    take: window.size + 1,
  });

  const hasMore = rows.length > window.size;
  const page = rows.slice(0, window.size);
  if (window.backward) page.reverse();
  const edges = page.map((node) => ({ node, cursor: encodeCursor(sort, node) }));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: window.backward ? args.before != null : hasMore,
      hasPreviousPage: window.backward ? hasMore : args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: options.count,
  };
}

function readWindow(args: ConnectionArgs, defaultSize: number, maxSize: number) {
  if (args.first != null && args.last != null) {
    throw badUserInput('Pass either `first` (with `after`) or `last` (with `before`), not both.', 'first');
  }
  const backward = args.last != null || (args.first == null && args.before != null);
  const requested = backward ? args.last : args.first;
  const field = backward ? 'last' : 'first';
  if (requested != null && (!Number.isInteger(requested) || requested < 0 || requested > maxSize)) {
    throw badUserInput(`\`${field}\` must be an integer from 0 to ${maxSize}; got ${requested}.`, field);
  }
  if (!backward && args.before != null && args.after == null && args.first != null) {
    throw badUserInput('`before` pages backwards: use it with `last`.', 'before');
  }
  return { backward, size: requested ?? defaultSize };
}

const flip = (d: SortDirection): SortDirection => (d === 'asc' ? 'desc' : 'asc');

/**
 * `(a, b) > (x, y)` spelled for Prisma: `a > x OR (a = x AND b > y)`, with each comparison's
 * direction taken from the sort key, and reversed when paging backwards. The leading `a >= x` says
 * the same thing again in a form PostgreSQL can turn into an index range, so a deep page starts
 * where the cursor is instead of scanning down to it.
 */
function keysetWhere<Row>(keys: readonly SortKey<Row>[], values: unknown[], backward: boolean): Record<string, unknown> {
  const ascending = (key: SortKey<Row>) => (key.direction === 'asc') !== backward;
  const branches = keys.map((key, i) => {
    const equalities = Object.fromEntries(keys.slice(0, i).map((k, j) => [k.field, values[j]]));
    return { ...equalities, [key.field]: { [ascending(key) ? 'gt' : 'lt']: values[i] } };
  });
  if (branches.length === 1) return branches[0]!;
  const lead = keys[0]!;
  return { AND: [{ [lead.field]: { [ascending(lead) ? 'gte' : 'lte']: values[0] } }, { OR: branches }] };
}

export function encodeCursor<Row>(sort: Sort<Row>, row: Row): string {
  const values = sort.keys.map((k) => serialize(row[k.field], k.type));
  return Buffer.from(JSON.stringify([sort.name, ...values])).toString('base64url');
}

function serialize(value: unknown, type: SortValueType): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'date') return (value as Date).toISOString();
  if (type === 'bigint') return String(value);
  return value;
}

/** Decodes and checks a cursor; anything else than one of ours is a `BAD_USER_INPUT`. */
export function decodeCursor<Row>(cursor: string, sort: Sort<Row>, field: 'after' | 'before'): unknown[] {
  const invalid = () =>
    badUserInput(`\`${field}\` is not a cursor of this list. Use a \`cursor\` or \`endCursor\` this field returned.`, field);
  let decoded: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== sort.keys.length + 1 || decoded[0] !== sort.name) throw invalid();
  return sort.keys.map((key, i) => {
    const raw = decoded[i + 1];
    const value = deserialize(raw, key.type);
    if (value === undefined) throw invalid();
    return value;
  });
}

const INT4 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const INT8 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/** A cursor's value of a sort column, or undefined when it cannot be one (wrong type, out of range). */
function deserialize(raw: unknown, type: SortValueType): unknown {
  switch (type) {
    case 'uuid':
      return isUuid(raw) ? raw : undefined;
    case 'string':
      // PostgreSQL text cannot hold NUL.
      return typeof raw === 'string' && !raw.includes('\u0000') ? raw : undefined;
    case 'number':
      return typeof raw === 'number' && Number.isInteger(raw) && raw >= INT4.min && raw <= INT4.max ? raw : undefined;
    case 'bigint': {
      if (typeof raw !== 'string' || !/^-?\d{1,19}$/.test(raw)) return undefined;
      const value = BigInt(raw);
      return value >= INT8.min && value <= INT8.max ? value : undefined;
    }
    case 'date': {
      if (typeof raw !== 'string') return undefined;
      const date = new Date(raw);
      // Only the form `encodeCursor` writes, in years PostgreSQL and ISO 8601 agree on.
      if (Number.isNaN(date.getTime()) || date.toISOString() !== raw) return undefined;
      const year = date.getUTCFullYear();
      return year >= 1 && year <= 9999 ? date : undefined;
    }
  }
}
