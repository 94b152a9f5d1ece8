import { describe, expect, it } from 'vitest';
import { Prisma } from './generated/prisma/client.js';
import { uuidArray } from './sql.js';

describe('uuidArray', () => {
  it('is one parameter whatever the number of ids, so a statement has one text for every length', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `0190c000-0000-7000-8000-${String(i).padStart(12, '0')}`);
    const statement = (n: number) => Prisma.sql`SELECT 1 FROM devices."Device" WHERE id = ANY(${uuidArray(ids(n))})`;
    expect(statement(1).text).toBe('SELECT 1 FROM devices."Device" WHERE id = ANY($1::uuid[])');
    expect(statement(50).text).toBe(statement(1).text);
    expect(statement(50).values).toEqual([ids(50)]);
  });
});
