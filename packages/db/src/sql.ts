import { Prisma } from './generated/prisma/client.js';

/**
 * Helpers for the few hot reads a data layer writes as SQL (`$queryRaw`) rather than as `findMany`:
 * Prisma's query building and row mapping cost several times the statement itself on small batches.
 */

/**
 * A list of ids as one parameter, `$1::uuid[]`, for `column = ANY(…)`: the statement's text is short and
 * the same whatever the list's length. PostgreSQL parsed and planned a list of fifty placeholders
 * (`IN ($1::uuid, …, $50::uuid)`) in about twice the time the whole read takes this way.
 */
export const uuidArray = (ids: readonly string[]): Prisma.Sql => Prisma.sql`${ids}::uuid[]`;

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
