import { buildSchema, isValidLeafValue, type EnumType, type ScalarType } from '@apollo/federation-internals';
import { describe, expect, it } from 'vitest';
import { leafCheck } from './shape.js';

const schema = buildSchema(`
  scalar DateTime
  enum Mood { HAPPY SAD }
  type Query { mood: Mood at: DateTime }
`);

/** Every kind of JSON value a subgraph can answer, with the numbers where Int's check is subtle. */
const values: unknown[] = [
  true,
  false,
  0,
  -0,
  1,
  -7,
  1.5,
  -0.25,
  2 ** 53,
  2 ** 60,
  1e21,
  Number.MAX_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  '0',
  '12',
  'HAPPY',
  'happy',
  'SAD',
  'valueOf',
  'toString',
  {},
  { HAPPY: true },
  [],
  ['HAPPY'],
];

describe('leafCheck', () => {
  const leaves = ['Boolean', 'Int', 'ID', 'Float', 'String', 'Mood', 'DateTime'].map((name) => schema.type(name) as ScalarType | EnumType);

  it.each(leaves.map((leaf) => [String(leaf), leaf] as const))('judges every value as isValidLeafValue does, for %s', (_name, leaf) => {
    const check = leafCheck(schema, leaf);
    const disagreements = values.filter((value) => check(value) !== isValidLeafValue(schema, value, leaf));
    expect(disagreements).toEqual([]);
  });

  it('lets through what its type holds and nothing else', () => {
    const of = (name: string) => leafCheck(schema, schema.type(name) as ScalarType | EnumType);
    expect(values.filter(of('Int'))).toEqual([0, -0, 1, -7, 2 ** 53, 2 ** 60]);
    expect(values.filter(of('Mood'))).toEqual(['HAPPY', 'SAD']);
    expect(values.filter(of('DateTime'))).toEqual(values);
  });
});
