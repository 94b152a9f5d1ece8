import { buildSchema, parse, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costLimitPlugin } from './limits.js';

const schema = buildSchema(`
  type Item { a: Int b: Int c: Int }
  type ItemConnection { nodes: [Item!]! }
  type Query { items(first: Int, after: String): ItemConnection! }
`);

/** Runs the plugin's check the way Apollo Server does: the same parsed document for the same text. */
function admitter(max: number) {
  const plugin = costLimitPlugin(max);
  return async (document: DocumentNode, variables: Record<string, unknown>) => {
    const hooks = (await plugin.requestDidStart!({} as never)) as { didResolveOperation: (context: unknown) => Promise<void> };
    try {
      await hooks.didResolveOperation({ request: { variables }, document, schema, operationName: undefined });
      return 'admitted';
    } catch (err) {
      return (err as Error).message;
    }
  };
}

// items(first: n) { nodes { a b c } } costs 1 + 4n: 41 for 10, 81 for 20.
describe('costLimitPlugin', () => {
  it('prices each page size once, whatever the other variables, and refuses every time', async () => {
    const admit = admitter(50);
    const document = parse(`query($n: Int, $after: String) { items(first: $n, after: $after) { nodes { a b c } } }`);
    expect(await admit(document, { n: 10, after: 'x' })).toBe('admitted');
    expect(await admit(document, { n: 10, after: 'y' })).toBe('admitted');
    expect(await admit(document, { n: 20, after: 'x' })).toMatch(/estimated cost is 81; the limit is 50/);
    expect(await admit(document, { n: 20, after: 'y' })).toMatch(/estimated cost is 81/);
    expect(await admit(document, { n: 10 })).toBe('admitted');
  });

  it('tells a variable left to its default from one given as null', async () => {
    const admit = admitter(50);
    const document = parse(`query($n: Int = 5) { items(first: $n) { nodes { a b c } } }`);
    expect(await admit(document, {})).toBe('admitted'); // the default, 5
    expect(await admit(document, { n: null })).toMatch(/estimated cost is 81/); // null: the page size when none is asked, 20
    expect(await admit(document, {})).toBe('admitted');
    expect(await admit(document, { n: null })).toMatch(/estimated cost is 81/);
  });

  it('remembers nothing from variables that do not fit the operation', async () => {
    const admit = admitter(50);
    const document = parse(`query($n: Int, $after: String) { items(first: $n, after: $after) { nodes { a b c } } }`);
    expect(await admit(document, { n: 20, after: 5 })).toBe('admitted'); // execution refuses it
    expect(await admit(document, { n: 20, after: 'x' })).toMatch(/estimated cost is 81/);
  });

  it('prices by the variables of @include and @skip too', async () => {
    const admit = admitter(50);
    const document = parse(`query($all: Boolean!) { items(first: 10) { nodes { a b c } } more: items(first: 10) @include(if: $all) { nodes { a } } }`);
    expect(await admit(document, { all: false })).toBe('admitted');
    expect(await admit(document, { all: true })).toMatch(/estimated cost is 62/);
  });
});
