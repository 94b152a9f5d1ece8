import { Prisma } from './generated/prisma/client.js';

/**
 * Helpers for the few hot reads a data layer writes as SQL (`$queryRaw`) rather than as `findMany`:
 * Prisma's query building and row mapping cost several times the statement itself on small batches.
 */

/** `$1::uuid, $2::uuid, …` for `IN (…)`. Not for an empty list: `IN ()` is not SQL. */
export const uuidList = (ids: readonly string[]): Prisma.Sql => Prisma.join(ids.map((id) => Prisma.sql`${id}::uuid`));

/**
 * The columns of a model's scalar fields (`Prisma.<Model>ScalarFieldEnum`), qualified by a table
 * alias: a raw read returns the same rows `findMany` would, whatever columns the table gains later.
 */
export function modelColumns(fields: Record<string, string>, alias: string): Prisma.Sql {
  return Prisma.raw(
    Object.values(fields)
      .map((field) => `${alias}."${field}"`)
      .join(', '),
  );
}
