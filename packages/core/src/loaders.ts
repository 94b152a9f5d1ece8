import DataLoader from 'dataloader';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value is a UUID (the id type of most tables): the check `uuid` columns need before a query. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/**
 * A per-request loader of rows by key: one query for all keys asked for in the same tick, results
 * returned in key order, `null` for a key with no row (or one the caller may not see).
 */
export function createRowLoader<Key, Row>(
  fetchMany: (keys: readonly Key[]) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  options: { cacheKey?: (key: Key) => unknown; validKey?: (key: Key) => boolean } = {},
): DataLoader<Key, Row | null> {
  const cacheKeyFn = options.cacheKey ?? ((key: Key) => key);
  const validKey = options.validKey ?? (() => true);
  return new DataLoader<Key, Row | null, unknown>(
    async (keys) => {
      // A key that cannot exist (a malformed UUID) is simply not found; the database never sees it.
      const valid = keys.filter(validKey);
      const rows = valid.length > 0 ? await fetchMany(valid) : [];
      const byKey = new Map(rows.map((row) => [cacheKeyFn(keyOf(row)), row]));
      return keys.map((key) => byKey.get(cacheKeyFn(key)) ?? null);
    },
    { cacheKeyFn, maxBatchSize: 500 },
  );
}

/** A per-request loader of the rows that belong to each key (one-to-many), grouped in one query. */
export function createGroupLoader<Key, Row>(
  fetchMany: (keys: readonly Key[]) => Promise<Row[]>,
  groupOf: (row: Row) => Key,
): DataLoader<Key, Row[]> {
  return new DataLoader<Key, Row[]>(
    async (keys) => {
      const rows = await fetchMany(keys);
      const groups = new Map<Key, Row[]>();
      for (const row of rows) {
        const key = groupOf(row);
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((key) => groups.get(key) ?? []);
    },
    { maxBatchSize: 500 },
  );
}
