import { badUserInput } from './errors.js';
import { cursorSealer } from './cursorSealing.js';
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
  /**
   * Which list of this ordering the page belongs to (e.g. the app whose profiles it lists), sealed into
   * its cursors so that one list's cursor is refused by another list of the same kind.
   */
  scope?: string;
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
  const position = cursorArg != null ? decodeCursor(cursorArg, sort, window.backward ? 'before' : 'after', options.scope) : undefined;

  const rows = await options.fetch({
    where: position ? keysetWhere(sort.keys, position, window.backward) : undefined,
    orderBy: sort.keys.map((k) => ({ [k.field]: window.backward ? flip(k.direction) : k.direction })),
    take: window.size + 1,
  });

  const hasMore = rows.length > window.size;
  const page = rows.slice(0, window.size);
  if (window.backward) page.reverse();
  const edges = page.map((node) => edgeOf(node, () => encodeCursor(sort, node, options.scope)));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: window.backward ? args.before != null : hasMore,
      hasPreviousPage: window.backward ? hasMore : args.after != null,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
    totalCount: options.count,
  };
}

/**
 * An edge whose cursor is sealed only when read: sealing costs an HMAC and a cipher per row, and most
 * pages are read through `nodes` and `pageInfo.endCursor` alone.
 */
function edgeOf<Row>(node: Row, seal: () => string): Edge<Row> {
  let cursor: string | undefined;
  return {
    node,
    get cursor() {
      return (cursor ??= seal());
    },
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

/**
 * The cursor of `row` in a list sorted by `sort`: its sort key values, sealed (see `cursorSealing.ts`)
 * for this sort and `scope`, so no table, column or row id can be read from it and none forged.
 */
export function encodeCursor<Row>(sort: Sort<Row>, row: Row, scope?: string): string {
  return cursorSealer().seal(connectionOf(sort, scope), writePosition(sort, row));
}

/**
 * Opens and checks a cursor; anything but a cursor this connection wrote (tampered, cut short, of
 * another list or ordering, sealed with another secret, or of the old unsealed format) is a
 * `BAD_USER_INPUT` that says what to pass instead.
 */
export function decodeCursor<Row>(cursor: string, sort: Sort<Row>, field: 'after' | 'before', scope?: string): unknown[] {
  const position = cursorSealer().open(connectionOf(sort, scope), cursor);
  const values = position && readPosition(sort, position);
  if (!values) {
    throw badUserInput(
      `Invalid cursor in \`${field}\`: pass \`pageInfo.endCursor\` (or \`startCursor\` with \`before\`) or an edge's \`cursor\` from a previous page of this same connection, or leave \`${field}\` out to start from the beginning.`,
      field,
    );
  }
  return values;
}

/** What a cursor is sealed for: the ordering, and the list within it when the caller names one. */
const connectionOf = <Row>(sort: Sort<Row>, scope: string | undefined) =>
  JSON.stringify(scope === undefined ? [sort.name] : [sort.name, scope]);

/**
 * The sort key values in a few bytes each: 16 for a uuid, 4 for an int, 8 for a bigint or a timestamp
 * (milliseconds), a length and UTF-8 for text. Short because a cursor travels in every page's edges.
 */
function writePosition<Row>(sort: Sort<Row>, row: Row): Buffer {
  const parts = sort.keys.map((key) => {
    const value: unknown = row[key.field];
    // A keyset needs a value in every row; the schema's sort columns are NOT NULL.
    if (value === null || value === undefined)
      throw new Error(`Sort "${sort.name}": \`${key.field}\` is empty; sort keys must be NOT NULL columns.`);
    switch (key.type) {
      case 'uuid':
        return Buffer.from((value as string).replaceAll('-', ''), 'hex');
      case 'number': {
        const bytes = Buffer.alloc(4);
        bytes.writeInt32BE(value as number);
        return bytes;
      }
      case 'bigint':
      case 'date': {
        const bytes = Buffer.alloc(8);
        bytes.writeBigInt64BE(key.type === 'date' ? BigInt((value as Date).getTime()) : BigInt(value as bigint));
        return bytes;
      }
      case 'string': {
        const text = Buffer.from(value as string, 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32BE(text.length);
        return Buffer.concat([length, text]);
      }
      default:
        throw new Error(`Sort "${sort.name}": unknown key type of \`${key.field}\`.`);
    }
  });
  return Buffer.concat(parts);
}

/**
 * The sort key values of a position, or undefined when the bytes do not fit the sort. A sealed position
 * was written by Iris, but it is still checked against each column's type before it reaches SQL: a
 * sort's keys may change between releases while its name stays.
 */
function readPosition<Row>(sort: Sort<Row>, position: Buffer): unknown[] | undefined {
  let offset = 0;
  const take = (length: number) => {
    if (offset + length > position.length) return undefined;
    const bytes = position.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
  const values: unknown[] = [];
  for (const key of sort.keys) {
    let raw: unknown;
    switch (key.type) {
      case 'uuid': {
        const hex = take(16)?.toString('hex');
        raw = hex && `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
        break;
      }
      case 'number':
        raw = take(4)?.readInt32BE();
        break;
      case 'bigint':
        raw = take(8)?.readBigInt64BE().toString();
        break;
      case 'date': {
        const ms = take(8)?.readBigInt64BE();
        // A Date holds ±8.64e15 ms; `deserialize` then keeps the years PostgreSQL and ISO 8601 agree on.
        raw = ms === undefined || ms > MAX_DATE_MS || ms < -MAX_DATE_MS ? undefined : new Date(Number(ms)).toISOString();
        break;
      }
      case 'string': {
        const length = take(4)?.readUInt32BE();
        raw = length === undefined ? undefined : take(length)?.toString('utf8');
        break;
      }
    }
    const value = raw === undefined ? undefined : deserialize(raw, key.type);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return offset === position.length ? values : undefined;
}

const MAX_DATE_MS = 8_640_000_000_000_000n;
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
