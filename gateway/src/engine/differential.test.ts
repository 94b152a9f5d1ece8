import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PlanEngine, type CompiledPlan } from './plan.js';
import { comparable, loadExecutors, passedThrough, run, type Executors } from './testing/compare.js';
import { randomOperation } from './testing/operations.js';
import { inMemoryGraph } from './testing/subgraphs.js';

// Each operation runs through @apollo/gateway's executor and through the engine, over the same
// supergraph and subgraphs; the two must agree on data byte for byte and on every error.
let executors: Executors;
const engineRuns = vi.spyOn(PlanEngine.prototype, 'execute');
const compiles = vi.spyOn(PlanEngine.prototype, 'compile');
/** The plan the engine compiled last: the last operation's. */
const lastCompiled = () => compiles.mock.results.at(-1)?.value as CompiledPlan | undefined;

beforeAll(async () => {
  executors = await loadExecutors(inMemoryGraph());
});
afterAll(() => executors?.stop());

async function agree(query: string, variables: Record<string, unknown> = {}, operationName?: string) {
  const stock = await run(executors.stock, executors.apiSchema, query, variables, operationName);
  const engine = await run(executors.engine, executors.apiSchema, query, variables, operationName);
  expect(comparable(engine as never), query).toEqual(comparable(stock as never));
  return stock as { data?: any; errors?: any[]; extensions?: any };
}

const operations: [string, string, Record<string, unknown>?][] = [
  ['a root field of one subgraph', '{ me { id name } }'],
  ['an entity fetch (@key)', '{ me { name reviews { body rating } } }'],
  ['@provides: the username comes with the review', '{ reviews { author { username } } }'],
  ['@provides not covering a field', '{ reviews { author { username name birthYear } } }'],
  ['@requires with its external fields, one entity failing as a whole', '{ topProducts { upc shippingEstimate location } }'],
  ['@requires over an @inaccessible field', '{ product(upc: "p1") { location } }'],
  ['@override: inStock from inventory', '{ topProducts(first: 3) { name inStock } }'],
  ['@shareable: name from either subgraph', '{ reviews { product { name upc } } }'],
  ['@interfaceObject: a field of the interface object', '{ media { id title ... on Book { pages } stars } }'],
  ['@interfaceObject from the other side', '{ topRated { id title stars __typename ... on Movie { minutes } fans { name } } }'],
  ['an interface across subgraphs', '{ node(id: "1") { id ... on User { name } } nodes { id __typename ... on Product { name price } } }'],
  ['a union across subgraphs', '{ search(term: "a") { __typename ... on User { name email } ... on Review { body product { name } } } }'],
  ['a field error with a code', '{ users { id email } }'],
  ['a subgraph null for a non-null field', '{ reviews { id body } }'],
  [
    'an entity the subgraph does not know: null for a non-null field',
    '{ user(id: "4") { id numberOfReviews } users { id numberOfReviews } }',
  ],
  ['a null bubbling through a non-null list', '{ user(id: "4") { name reviews { id } } }'],
  [
    '@skip/@include with variables',
    'query($s: Boolean!, $i: Boolean!) { me { name @skip(if: $s) email @include(if: $i) reviews @include(if: $i) { body } } }',
    { s: true, i: false },
  ],
  [
    '@skip/@include on a fetch (a condition node)',
    'query($i: Boolean!) { me { name } reviews @include(if: $i) { author { name } } }',
    { i: true },
  ],
  ['aliases and repeated fields', '{ a: user(id: "1") { n: name name } b: user(id: "2") { name x: name } me { id } me { name } }'],
  [
    'fragments and __typename',
    'query Q { me { ...U } } fragment U on User { __typename id t: __typename reviews { ...R } } fragment R on Review { id product { upc } }',
    undefined,
  ],
  ['introspection beside data', '{ __typename me { id } __type(name: "User") { name fields { name } } }'],
  ['errors in nested entity lists', '{ topProducts { reviews { author { email reviews { product { weight shippingEstimate } } } } } }'],
  ['no data at all', '{ __typename }'],
  [
    'response names that Object.prototype also has',
    '{ me { constructor: name toString: id __proto__: username reviews { valueOf: id hasOwnProperty: body } } }',
  ],
];

describe('engine and @apollo/gateway agree', () => {
  it.each(operations)('%s', async (_name, query, variables) => {
    engineRuns.mockClear();
    await agree(query, variables ?? {});
    expect(engineRuns).toHaveBeenCalledOnce();
  });

  it('passes a one-fetch answer through only where shaping would change nothing', async () => {
    const cases: [string, boolean][] = [
      ['{ me { id name } }', true],
      ['query Q { me { ...U } } fragment U on User { __typename id n: name }', true],
      // Shaping still has work: @skip/@include kept, an abstract type, introspection, a second fetch.
      ['query($s: Boolean!) { me { name @skip(if: $s) id } }', true],
      ['{ node(id: "1") { id } }', false],
      ['{ __typename me { id } }', false],
      ['{ me { name reviews { body } } }', false],
    ];
    for (const [query, expected] of cases) {
      const stock = await agree(query, { s: true });
      expect(passedThrough(lastCompiled(), stock, { s: true }), query).toBe(expected);
    }
  });

  it('shapes a one-fetch answer that does not match the operation, as @apollo/gateway does', async () => {
    // A subgraph whose schema has drifted from the supergraph, or that answers more than it was asked.
    // Whether each answer passes as it is: an ID as a number is a valid ID to @apollo/gateway as well.
    const answers: [string, unknown, boolean][] = [
      ['a null for a non-null field', { id: '1', name: null }, false],
      ['a number for a string', { id: '1', name: 7 }, false],
      ['a field missing', { id: '1' }, false],
      ['a field not asked for', { id: '1', name: 'Ada', secret: 's3cr3t' }, false],
      ['the fields in another order', { name: 'Ada', id: '1' }, false],
      ['a list for an object', [{ id: '1', name: 'Ada' }], false],
      ['an object for a string', { id: '1', name: { first: 'Ada' } }, false],
      ['an id as a number', { id: 1, name: 'Ada' }, true],
      ['null for a nullable object', null, true],
    ];
    const graph = inMemoryGraph();
    let answer: unknown;
    const misbehaving = await loadExecutors({
      ...graph,
      fetch: async (serviceName, request) =>
        serviceName === 'accounts' && request.query.includes('me') ? { data: { me: answer } } : graph.fetch(serviceName, request),
    });
    const runs = vi.spyOn(PlanEngine.prototype, 'execute');
    try {
      const query = '{ me { id name } }';
      answer = { id: '1', name: 'Ada' };
      const conforming = (await run(misbehaving.engine, misbehaving.apiSchema, query)) as { data?: unknown };
      expect(passedThrough(lastCompiled(), conforming, {})).toBe(true);
      // Passed through: the response's data is the subgraph's own object, not a shaped copy.
      const returned = (await runs.mock.results.at(-1)!.value) as { data?: unknown };
      expect(conforming.data).toEqual({ me: answer });
      expect((returned.data as { me: unknown }).me).toBe(answer);
      for (const [name, value, asItIs] of answers) {
        answer = structuredClone(value);
        const stock = await run(misbehaving.stock, misbehaving.apiSchema, query);
        const engine = await run(misbehaving.engine, misbehaving.apiSchema, query);
        expect(comparable(engine as never), name).toEqual(comparable(stock as never));
        const data = ((await runs.mock.results.at(-1)!.value) as { data?: { me?: unknown } }).data;
        if (answer !== null) expect(data?.me === answer, name).toBe(asItIs);
      }
    } finally {
      runs.mockRestore();
      await misbehaving.stop();
    }
  });

  it('the fixtures cover errors, nulls and partial data', async () => {
    const result = await agree('{ users { id email numberOfReviews } reviews { body } topProducts { shippingEstimate } }');
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(expect.arrayContaining(['FORBIDDEN']));
    expect(result.extensions?.valueCompletion?.length).toBeGreaterThan(0);
  });

  it('reports an entity a subgraph answers null for, where @apollo/gateway leaves only nulls', async () => {
    const query = '{ reviews { id author { birthYear } } }';
    const stock = await agree(query);
    const engine = (await run(executors.engine, executors.apiSchema, query)) as typeof stock;
    // r5's author (id 9) is known to no subgraph but reviews: its birthYear reads as null with no error.
    expect(stock.data.reviews[4]).toEqual({ id: 'r5', author: { birthYear: null } });
    expect(stock.errors).toBeUndefined();
    expect(stock.extensions?.unresolvedEntities).toBeUndefined();
    expect(engine.extensions?.unresolvedEntities).toEqual([{ path: ['reviews', 4, 'author'], typename: 'User', serviceName: 'accounts' }]);
  });

  it('on random valid operations generated from the API schema', async () => {
    const passThroughSeeds = [109, 142, 188, 532];
    const runs = Number(process.env.ENGINE_DIFF_RUNS ?? 300);
    let passed = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const { query, variables } = randomOperation(executors.apiSchema, seed);
        const stock = await agree(query, variables);
        if (passedThrough(lastCompiled(), stock, variables)) passed++;
      }),
      // Few random operations (about 1 in 75) are one-fetch plans answered without shaping, so a run of
      // 300 can miss them all. These seeds generate such operations, and run first in every run.
      { numRuns: runs, endOnFailure: true, examples: passThroughSeeds.map((seed) => [seed] as [number]) },
    );
    if (process.env.ENGINE_DIFF_REPORT) console.log(`passed through unshaped: ${passed} of ${runs}`);
    // The pass-through answers agree all the same; a generator that no longer yields them fails here.
    expect(passed).toBeGreaterThanOrEqual(passThroughSeeds.length);
  }, 600_000);
});
