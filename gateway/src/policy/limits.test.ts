import { readFileSync } from 'node:fs';
import { loadConfig } from '@iris/core';
import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import { getComplexity } from 'graphql-query-complexity/cjs';
import { describe, expect, it } from 'vitest';
import { costLimitError, costLimitPlugin, fieldCostEstimator, limitParseOptions, limitValidationRules } from './limits.js';

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

// items(first: n) { nodes { a b c } } costs 1 + n (each node an object, its scalars nothing): 11 for 10, 21 for 20.
describe('costLimitPlugin', () => {
  it('prices each page size once, whatever the other variables, and refuses every time', async () => {
    const admit = admitter(15);
    const document = parse(`query($n: Int, $after: String) { items(first: $n, after: $after) { nodes { a b c } } }`);
    expect(await admit(document, { n: 10, after: 'x' })).toBe('admitted');
    expect(await admit(document, { n: 10, after: 'y' })).toBe('admitted');
    expect(await admit(document, { n: 20, after: 'x' })).toMatch(/estimated cost is 21; the limit is 15/);
    expect(await admit(document, { n: 20, after: 'y' })).toMatch(/estimated cost is 21/);
    expect(await admit(document, { n: 10 })).toBe('admitted');
  });

  it('tells a variable left to its default from one given as null', async () => {
    const admit = admitter(15);
    const document = parse(`query($n: Int = 5) { items(first: $n) { nodes { a b c } } }`);
    expect(await admit(document, {})).toBe('admitted'); // the default, 5
    expect(await admit(document, { n: null })).toMatch(/estimated cost is 21/); // null: the page size when none is asked, 20
    expect(await admit(document, {})).toBe('admitted');
    expect(await admit(document, { n: null })).toMatch(/estimated cost is 21/);
  });

  it('remembers nothing from variables that do not fit the operation', async () => {
    const admit = admitter(15);
    const document = parse(`query($n: Int, $after: String) { items(first: $n, after: $after) { nodes { a b c } } }`);
    expect(await admit(document, { n: 20, after: 5 })).toBe('admitted'); // execution refuses it
    expect(await admit(document, { n: 20, after: 'x' })).toMatch(/estimated cost is 21/);
  });

  it('prices by the variables of @include and @skip too', async () => {
    const admit = admitter(15);
    const document = parse(
      `query($all: Boolean!) { items(first: 10) { nodes { a b c } } more: items(first: 10) @include(if: $all) { nodes { a } } }`,
    );
    expect(await admit(document, { all: false })).toBe('admitted');
    expect(await admit(document, { all: true })).toMatch(/estimated cost is 22/);
  });
});

/** The API schema the gateway serves, with the default limits of `loadConfig`. */
const apiSchema = buildSchema(readFileSync(new URL('../../../schema/api.graphql', import.meta.url), 'utf8'));
const defaults = loadConfig({});
/** Every refusal the gateway's validation rules and cost limit give `query`, as messages. */
const refusals = (query: string) => {
  const document = parse(query, limitParseOptions(defaults));
  const errors = validate(apiSchema, document, [...specifiedRules, ...limitValidationRules(defaults)]);
  const cost = costLimitError(apiSchema, document, {}, undefined, defaults.MAX_QUERY_COST);
  return [...errors, ...(cost ? [cost] : [])].map((error) => error.message);
};

describe('schema loading', () => {
  // What each tool sends to load a schema from a URL, all built on graphql-js's getIntrospectionQuery.
  const toolQueries: Record<string, string> = {
    // GraphiQL 3 (@graphiql/react useIntrospectionQuery), with and without its two options.
    GraphiQL: getIntrospectionQuery({ inputValueDeprecation: false, schemaDescription: false }),
    'GraphiQL (inputValueDeprecation, schemaDescription)': getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }),
    // Postman and Apollo Client Devtools: the classic query, descriptions included.
    'Postman / Apollo Client Devtools': getIntrospectionQuery(),
    // GraphQL Code Generator (@graphql-tools/url-loader → getIntrospectionQuery(options)) with every option on.
    'GraphQL Code Generator (every option)': getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
    // Apollo Sandbox asks what the server supports before its full query.
    'Apollo Sandbox capabilities': `query IntrospectionCapabilities { __schema { description } __type(name: "__InputValue") { fields { name } } }`,
  };
  for (const [tool, query] of Object.entries(toolQueries)) {
    it(`answers the introspection query of ${tool}`, () => {
      expect(refusals(query)).toEqual([]);
    });
  }

  it('prices the standard introspection query at nothing, so its size does not eat into a page', () => {
    const document = parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), limitParseOptions(defaults));
    expect(getComplexity({ schema: apiSchema, query: document, estimators: [fieldCostEstimator] })).toBe(0);
  });

  it('refuses deep ofType nesting', () => {
    const ofType = (levels: number): string => (levels === 0 ? 'name' : `name ofType { ${ofType(levels - 1)} }`);
    expect(refusals(`{ __schema { types { fields { type { ${ofType(12)} } } } } }`)).toEqual([]);
    const [refusal] = refusals(`{ __schema { types { fields { type { ${ofType(40)} } } } } }`);
    expect(refusal).toMatch(/nests deeper than 20 fields/);
    expect(refusals(`{ __type(name: "Query") { ${ofType(40)} } }`).join()).toMatch(/nests deeper|depth/);
  });

  it('refuses deep ofType nesting hidden in fragments', () => {
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on __Type { name ofType { ...F${i + 1} } }`).join(' ');
    const [refusal] = refusals(`{ __schema { types { ...F0 } } } ${fragments} fragment F30 on __Type { name }`);
    expect(refusal).toMatch(/nests deeper than 20 fields/);
  });

  it('refuses recursion through fields { type { fields … } } (graphql-js MaxIntrospectionDepthRule)', () => {
    expect(refusals(`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`).join()).toMatch(
      /Maximum introspection depth exceeded/,
    );
  });

  it('refuses many copies of __schema, with or without aliases', () => {
    const aliased = Array.from({ length: 2000 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ');
    expect(() => refusals(`{ ${aliased} }`)).toThrow(/Document contains more tha[nt] 5000 tokens/);
    const few = Array.from({ length: 8 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ');
    expect(refusals(`{ ${few} }`).join()).toMatch(/asks for the schema 8 times.*limit is 3/);
    const spread = `{ ...A ...B } fragment A on Query { a: __schema { queryType { name } } b: __type(name: "Query") { name } } fragment B on Query { c: __schema { types { name } } d: __schema { types { name } } }`;
    expect(refusals(spread).join()).toMatch(/asks for the schema 4 times/);
  });

  it('still prices data selected beside introspection', () => {
    const pageOfPages = `me { account { deviceMarks(first: 100) { nodes { device { account { deviceMarks(first: 100) { nodes { device { name } data { url } analysis { width } } } } } } } } }`;
    expect(refusals(`{ __schema { types { name } } ${pageOfPages} }`).join()).toMatch(/estimated cost is 40\d{3}/);
  });

  it('refuses fragments that spread into more selections than the cost walk reads, instead of letting them through unpriced', () => {
    const fragments = Array.from({ length: 16 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    expect(refusals(`{ ...F0 } ${fragments} fragment F16 on Query { me { id } }`).join()).toMatch(/more than 10000 selections/);
  });
});

describe('shape limits', () => {
  const limits = loadConfig({ MAX_QUERY_DEPTH: '3', MAX_ALIASES: '2', MAX_DIRECTIVES: '2' });
  const errorsOf = (query: string) =>
    validate(apiSchema, parse(query), [...specifiedRules, ...limitValidationRules(limits)]).map((error) => error.toJSON());

  it('names the limit, its maximum and what the operation has, in extensions as in the message', () => {
    const deep = errorsOf('{ me { account { devices { nodes { name } } } } }');
    expect(deep).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/limit of 3 exceeded, found 5/),
        extensions: { limit: 'depth', max: 3, found: 5 },
      }),
    ]);
    const aliased = errorsOf('{ a: me { id } b: me { id } c: me { id } }');
    expect(aliased[0]).toMatchObject({ extensions: { limit: 'aliases', max: 2, found: 3 } });
    const directed = errorsOf('{ me @include(if: true) @skip(if: false) { id @include(if: true) } }');
    expect(directed[0]).toMatchObject({ extensions: { limit: 'directives', max: 2, found: 3 } });
  });
});
