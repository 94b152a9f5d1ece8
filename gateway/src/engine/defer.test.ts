import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import fc from 'fast-check';
import { Kind, parse, print, validate, visit, type DirectiveNode, type GraphQLSchema, type SelectionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelSubsequentPayloads, mergeShaped, type SubsequentPayload } from './defer.js';
import { EngineGateway } from './gateway.js';
import { acceptsIncrementalDelivery, openIncrementalSlot, takeSubsequentPayloads } from './incremental.js';
import { comparable } from './testing/compare.js';
import { randomOperation } from './testing/operations.js';
import { mockGraph } from './testing/mockSubgraphs.js';
import { inMemoryGraph, type InMemoryGraph } from './testing/subgraphs.js';

// Each deferred operation runs through the engine with incremental delivery; its payloads, merged as a
// client merges them, must give what @apollo/gateway's executor gives for the same operation without
// @defer: the same data and the same errors.
type Executor = ApolloGateway['executor'];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
/** The stock executor and the engine over one supergraph and its subgraphs. */
interface Executors {
  stock: { executor: Executor; schema: GraphQLSchema };
  engine: { executor: Executor; schema: GraphQLSchema };
}
let stock: Executors['stock'];
let engine: Executors['engine'];
const gateways: ApolloGateway[] = [];
let requests: { service: string; query: string }[] = [];

async function executorsOver(graph: InMemoryGraph): Promise<Executors> {
  const buildService = ({ name }: { name: string }): GraphQLDataSource => ({
    process: ({ request }) => {
      requests.push({ service: name, query: request.query! });
      return graph.fetch(name, { query: request.query!, variables: request.variables, operationName: request.operationName }) as never;
    },
  });
  const pair = [
    new ApolloGateway({ supergraphSdl: graph.supergraphSdl, buildService, logger: quiet }),
    new EngineGateway({ supergraphSdl: graph.supergraphSdl, buildService, logger: quiet }, { reportUnresolvedEntities: true }),
  ];
  gateways.push(...pair);
  return { stock: await pair[0]!.load(), engine: await pair[1]!.load() };
}

beforeAll(async () => {
  ({ stock, engine } = await executorsOver(inMemoryGraph()));
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
});

const INCREMENTAL = 'multipart/mixed;deferSpec=20220824, application/json';

async function execute(
  executor: Executor,
  schema: GraphQLSchema | undefined,
  query: string,
  variables: Record<string, unknown>,
  accept?: string,
) {
  const document = parse(query);
  const errors = schema ? validate(schema, document) : [];
  if (errors.length > 0) throw new Error(`invalid operation: ${errors.map((e) => e.message).join('; ')}\n${query}`);
  const context = {};
  openIncrementalSlot(context);
  const headers = new Map(accept ? [['accept', accept]] : []);
  const requestContext = {
    request: { query, variables, http: { headers } },
    document,
    queryHash: createHash('sha256').update(query).digest('hex'),
    operationName: null,
    metrics: {},
    logger: quiet,
    context,
    cache: undefined,
    overallCachePolicy: undefined,
  };
  const initial = (await executor(requestContext as never)) as { data?: any; errors?: any[]; extensions?: any };
  return { initial, subsequent: takeSubsequentPayloads(context) };
}

async function collect(subsequent: AsyncIterable<SubsequentPayload> | undefined) {
  const payloads: SubsequentPayload[] = [];
  if (subsequent) for await (const payload of subsequent) payloads.push(payload);
  return payloads;
}

/** Merges the payloads as a client does: each part's data at its path, its errors after the first payload's. */
function merge(initial: { data?: any; errors?: any[]; extensions?: any }, payloads: SubsequentPayload[]) {
  const data = structuredClone(initial.data);
  const errors = [...(initial.errors ?? [])];
  const valueCompletion = [...(initial.extensions?.valueCompletion ?? [])];
  for (const payload of payloads) {
    for (const item of payload.incremental ?? []) {
      let target = data;
      for (const key of item.path) target = target[key];
      if (item.data) mergeShaped(target, structuredClone(item.data));
      errors.push(...(item.errors ?? []));
      valueCompletion.push(...(item.extensions?.valueCompletion ?? []));
    }
  }
  return { data, errors, valueCompletion };
}

const withoutDefer = (query: string) =>
  print(visit(parse(query), { Directive: (node) => (node.name.value === 'defer' ? null : undefined) }));

/** Error lists compared as sets: a deferred part reports its errors when it arrives, not in plan order. */
const sorted = (errors: readonly any[] | undefined) =>
  (errors ?? [])
    .map((e) => JSON.stringify({ message: e.message, path: e.path, code: e.extensions?.code }))
    .sort()
    .join('\n');

async function deliver(query: string, variables: Record<string, unknown> = {}, over: Executors = { stock, engine }) {
  const { initial, subsequent } = await execute(over.engine.executor, over.engine.schema, query, variables, INCREMENTAL);
  const payloads = await collect(subsequent);
  return { initial, payloads };
}

/**
 * The payloads merged must be the stock executor's result of the operation without @defer. `exact`:
 * the errors too (the fixed cases); else the data only (random operations, see below). A failure is
 * written to the file DEFER_DEBUG names, when set, with every payload.
 */
async function agree(query: string, variables: Record<string, unknown> = {}, exact = true, over: Executors = { stock, engine }) {
  const context = `${query}\n${JSON.stringify(variables)}`;
  const { initial, payloads } = await deliver(query, variables, over);
  const merged = merge(initial, payloads);
  // Without its @defer the operation may leave a variable unused (`if: $d`): the stock run skips validation.
  const expected = await execute(over.stock.executor, undefined, withoutDefer(query), variables);
  const want = comparable(expected.initial);
  // A null for a non-null field inside a deferred part nulls that part (its `data`), where the whole
  // operation nulls the nearest nullable field above it, which may lie outside the fragment.
  const nulledPart = payloads.some((p) => p.incremental?.some((item) => item.data === null));
  try {
    compare();
  } catch (error) {
    if (process.env.DEFER_DEBUG)
      (await import('node:fs')).writeFileSync(
        process.env.DEFER_DEBUG,
        `${context}\n${error}\n${JSON.stringify({ merged, payloads, initial, expected }, null, 1)}`,
      );
    throw error;
  }
  function compare() {
    // A plain response nulled whole (for @interfaceObject types the plain plan may read `__typename` as
    // the interface's and drop the object without an error) is not a reference for the random operations.
    if (!exact && (want.data === undefined || want.data === 'null')) return;
    if (!nulledPart && merged.data !== null && merged.data !== undefined) {
      const reference = JSON.parse(want.data ?? 'null');
      // A place the plain operation nulls for an error inside it (a non-null field of a list's element
      // failed) may come back in a deferred part that asks other fields of it (an element, with them):
      // the part runs its own selection, as graphql-js's @defer did, and a client merges it over the null.
      if (!exact) {
        const failed = [...(expected.initial.errors ?? []), ...(expected.initial.extensions?.valueCompletion ?? [])]
          .map((error) => error.path)
          .filter(Boolean);
        nullWhereFailed(merged.data, reference, [], failed);
      }
      expect(merged.data, context).toEqual(reference);
      if (exact) {
        expect(sorted(merged.errors), context).toEqual(sorted(expected.initial.errors));
        expect(sorted(merged.valueCompletion), context).toEqual(sorted(expected.initial.extensions?.valueCompletion));
      } else {
        // A deferred plan fetches in other steps than the plain one, and the planner's deferred plans
        // may meet subgraph errors the plain plan does not (and the reverse, for entities fetched for an
        // interface object then not of the fragment's type): only the data is compared, and the errors
        // must be complete errors of the response.
        for (const error of [...merged.errors, ...merged.valueCompletion]) expect(error.message, context).toEqual(expect.any(String));
      }
    } else if (exact) {
      // Parts under a null are never sent, nor their errors; and a projection without the deferred
      // fragments may meet another of the nulls first. The null is explained all the same.
      expect(merged.errors.length + merged.valueCompletion.length, context).toBeGreaterThan(0);
    }
  }
  if (payloads.length > 0) {
    expect(payloads.at(-1)!.hasNext).toBe(false);
    expect(payloads.slice(0, -1).every((p) => p.hasNext)).toBe(true);
  }
  return { initial, payloads };
}

/** Sets to null each place of `merged` that `reference` has null for an error at or under it. */
function nullWhereFailed(merged: any, reference: any, path: (string | number)[], failed: (string | number)[][]): void {
  if (!merged || !reference || typeof merged !== 'object' || typeof reference !== 'object') return;
  for (const key of Object.keys(reference)) {
    const at = [...path, Array.isArray(reference) ? Number(key) : key];
    if (reference[key] === null && merged[key] !== null && failed.some((p) => at.every((k, i) => p[i] === k))) merged[key] = null;
    else nullWhereFailed(merged[key], reference[key], at, failed);
  }
}

const DEFER_SEED = Number(process.env.ENGINE_DEFER_SEED ?? 20261203);

describe('@defer in the engine', () => {
  it('sends the fields outside the deferred fragment first, and the fragment after, with its label and path', async () => {
    const { initial, payloads } = await agree('{ me { id ... @defer(label: "reviews") { reviews { rating product { upc } } } } }');
    expect(initial.data).toEqual({ me: { id: '1' } });
    expect(payloads).toEqual([
      {
        incremental: [
          {
            data: {
              reviews: [
                { rating: 5, product: { upc: 'p1' } },
                { rating: 4, product: { upc: 'p4' } },
              ],
            },
            path: ['me'],
            label: 'reviews',
          },
        ],
        hasNext: false,
      },
    ]);
  });

  it('delivers a fragment deferred under a list once per element, with each element’s path', async () => {
    const { initial, payloads } = await agree('{ topProducts(first: 3) { upc ... @defer { name price } } }');
    expect(initial.data).toEqual({ topProducts: [{ upc: 'p1' }, { upc: 'p2' }, { upc: 'p3' }] });
    const items = payloads.flatMap((p) => p.incremental ?? []);
    expect(items.map((item) => item.path)).toEqual([
      ['topProducts', 0],
      ['topProducts', 1],
      ['topProducts', 2],
    ]);
    expect(items[2]).toEqual({ data: { name: 'Chair', price: 54 }, path: ['topProducts', 2] });
  });

  it('nested @defer: the inner part comes after the outer one it lies in', async () => {
    const { payloads } = await agree(
      '{ topProducts(first: 2) { upc ... @defer(label: "outer") { shippingEstimate reviews { id ... @defer(label: "inner") { author { name } } } } } }',
    );
    const labels = payloads.flatMap((p) => (p.incremental ?? []).map((item) => item.label));
    expect(labels.indexOf('outer')).toBeGreaterThanOrEqual(0);
    expect(labels.lastIndexOf('outer')).toBeLessThan(labels.indexOf('inner'));
    const inner = payloads.flatMap((p) => p.incremental ?? []).filter((item) => item.label === 'inner');
    expect(inner.map((item) => item.path)).toEqual([
      ['topProducts', 0, 'reviews', 0],
      ['topProducts', 0, 'reviews', 1],
      ['topProducts', 1, 'reviews', 0],
    ]);
  });

  it('keeps an entity’s type when a deferred part asks an @interfaceObject’s subgraph for its __typename', async () => {
    // The ratings subgraph answers `__typename: "Media"` (its interface object) for a Book; Apollo Client
    // adds __typename to every selection, so its deferred parts met this on every @interfaceObject field.
    const { initial, payloads } = await agree('{ media { ... on Book { id ... @defer { __typename stars } } } }');
    expect(initial.data).toEqual({ media: [{ id: 'm1' }, {}, { id: 'm3' }] });
    expect(payloads.flatMap((p) => p.incremental ?? [])).toEqual([
      { data: { __typename: 'Book', stars: 3 }, path: ['media', 0] },
      { data: { __typename: 'Book', stars: null }, path: ['media', 2] },
    ]);
  });

  it('sends a part deferred inside a fragment on an object type only for objects of that type', async () => {
    // The planner plans the block at `topRated` with the selection alone (its `... on Book` dropped, as
    // the ratings subgraph's Media is an @interfaceObject); m2 is a Movie, m9 is known to no media subgraph.
    const { initial, payloads } = await agree('{ topRated { stars ... on Book { id ... @defer { a1: fans { id } } } } }');
    expect(initial.data).toEqual({ topRated: [{ stars: 4 }, { stars: 3, id: 'm1' }, { stars: 11 }] });
    expect(payloads.flatMap((p) => p.incremental ?? [])).toEqual([{ data: { a1: [{ id: '1' }, { id: '4' }] }, path: ['topRated', 1] }]);
  });

  it('a field selected only in a deferred part, its own selection deferred again, comes empty with it', async () => {
    const { payloads } = await agree('{ me { id ... @defer(label: "o") { reviews { ... @defer(label: "i") { rating } } } } }');
    const items = payloads.flatMap((p) => p.incremental ?? []);
    expect(items[0]).toEqual({ data: { reviews: [{}, {}] }, path: ['me'], label: 'o' });
    expect(items.slice(1).map((item) => [item.path, item.data])).toEqual([
      [['me', 'reviews', 0], { rating: 5 }],
      [['me', 'reviews', 1], { rating: 4 }],
    ]);
  });

  it('errors in a deferred part go with it, with their paths in the whole response', async () => {
    const { initial, payloads } = await agree('{ users { id ... @defer(label: "email") { email } } }');
    expect(initial.errors).toBeUndefined();
    const items = payloads.flatMap((p) => p.incremental ?? []);
    const failed = items.find((item) => item.errors?.length);
    expect(failed?.path).toEqual(['users', 1]);
    expect(failed?.errors?.map((e) => [e.message, e.path, e.extensions?.code])).toEqual([
      ['Not allowed to read User.email', ['users', 1, 'email'], 'FORBIDDEN'],
    ]);
  });

  it('a null for a non-null field inside a deferred part is a value completion error of that part', async () => {
    const { payloads } = await agree('{ user(id: "4") { id ... @defer { numberOfReviews } } }');
    const items = payloads.flatMap((p) => p.incremental ?? []);
    expect(items[0]?.extensions?.valueCompletion?.map((e) => e.path)).toEqual([['user', 'numberOfReviews']]);
  });

  it('an entity a subgraph answers null for inside a deferred part is reported with that part', async () => {
    const { initial, payloads } = await agree('{ reviews { id ... @defer { author { birthYear } } } }');
    expect(initial.extensions?.unresolvedEntities).toBeUndefined();
    const items = payloads.flatMap((p) => p.incremental ?? []);
    // r5's author (id 9) is known to no subgraph but reviews.
    const part = items.find((item) => item.extensions?.unresolvedEntities);
    expect(part?.path).toEqual(['reviews', 4]);
    expect(part?.extensions?.unresolvedEntities).toEqual([{ path: ['reviews', 4, 'author'], typename: 'User', serviceName: 'accounts' }]);
  });

  it('@skip/@include beside and inside deferred fragments', async () => {
    const query =
      'query($s: Boolean!, $i: Boolean!) { me { id name @skip(if: $s) ... @defer { email @include(if: $i) reviews @skip(if: $s) { id } } ... @defer @include(if: $i) { birthYear } } }';
    for (const variables of [
      { s: true, i: true },
      { s: false, i: false },
      { s: false, i: true },
    ])
      await agree(query, variables);
  });

  it('a deferred fragment under a skipped field, fragment or spread is not sent', async () => {
    const query =
      'query($s: Boolean!) { me { id ...F @skip(if: $s) reviews @include(if: $s) { id ... @defer(label: "r") { rating } } } } fragment F on User { ... @defer(label: "f") { name } }';
    for (const s of [true, false]) {
      const { payloads } = await agree(query, { s });
      const labels = payloads.flatMap((p) => (p.incremental ?? []).map((item) => item.label));
      expect(labels.sort()).toEqual(s ? ['r', 'r'] : ['f']);
    }
    const { payloads } = await agree('{ me { id ... @skip(if: true) @defer { name } } }');
    expect(payloads.flatMap((p) => p.incremental ?? [])).toEqual([]);
  });

  it('of two unlabelled fragments deferred at one path, the one under a skipped field is not sent', async () => {
    // Both blocks have the path ["me"] and no label in the plan: only the engine's own labels tell
    // which fragment each one delivers. The skipped one fetches nothing it selects (`name` would be null).
    const selection = (skip: string) => `{ me { id ... @defer { email name } } me @skip(if: ${skip}) { ... @defer { name birthYear } } }`;
    for (const [query, variables, s] of [
      [selection('true'), {}, true],
      [`query($s: Boolean!) ${selection('$s')}`, { s: true }, true],
      [`query($s: Boolean!) ${selection('$s')}`, { s: false }, false],
    ] as const) {
      const { payloads } = await agree(query, variables);
      const items = payloads.flatMap((p) => p.incremental ?? []);
      const expected = [{ data: { email: 'ada@example.com', name: 'Ada' }, path: ['me'] }];
      if (!s) expected.push({ data: { name: 'Ada', birthYear: 1815 }, path: ['me'] } as never);
      expect(items.sort((a, b) => Object.keys(a.data!).length - Object.keys(b.data!).length)).toEqual(expected);
    }
  });

  it('a deferred part holds what its fragment selects: no `__typename` the fetch added for an interface', async () => {
    // The subgraph is asked `__typename` of every abstract type (`items { __typename id title }`); the
    // part carries only what the operation selects.
    const composed = composeServices([
      {
        name: 'shelves',
        url: 'http://shelves.invalid/graphql',
        typeDefs: parse(`
          extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
          type Query { shelf: Shelf }
          type Shelf @key(fields: "id") { id: ID! items: [Item!]! }
          interface Item { id: ID! title: String }
          type Book implements Item { id: ID! title: String pages: Int }
          type Film implements Item { id: ID! title: String minutes: Int }`),
      },
    ]);
    if (!composed.supergraphSdl) throw new Error(composed.errors?.map((e) => e.message).join('; '));
    const graph = mockGraph(composed.supergraphSdl);
    const gateway = new EngineGateway({
      supergraphSdl: graph.supergraphSdl,
      buildService: ({ name }) => ({
        process: ({ request }) => graph.fetch(name, { query: request.query!, variables: request.variables }) as never,
      }),
      logger: quiet,
    });
    try {
      const { executor, schema } = await gateway.load();
      const { initial, subsequent } = await execute(
        executor,
        schema,
        '{ shelf { id ... @defer { items { id title } } } }',
        {},
        INCREMENTAL,
      );
      const items = (await collect(subsequent)).flatMap((p) => p.incremental ?? []);
      expect(initial.data?.shelf).toEqual({ id: expect.any(String) });
      expect(items).toHaveLength(1);
      const delivered = items[0]!.data as { items: Record<string, unknown>[] };
      expect(delivered.items.length).toBeGreaterThan(0);
      for (const item of delivered.items) expect(Object.keys(item)).toEqual(['id', 'title']);
    } finally {
      await gateway.stop();
    }
  });

  it('a deferred part holds its fragment’s fields in the operation’s order, under its type conditions', async () => {
    // The planner prints `__typename` first, and lifts one asked under `... on User` out of it (for
    // every element of `nodes`, Products too); the part follows the operation.
    const { payloads } = await agree('{ me { id ... @defer { name __typename birthYear } } }');
    const [part] = payloads.flatMap((p) => p.incremental ?? []);
    expect(Object.keys(part!.data!)).toEqual(['name', '__typename', 'birthYear']);
    // `nodes` are Products: what the fragments ask under `... on User` is not theirs.
    for (const [query, keys] of [
      ['{ nodes { ... @defer { id ... on User { __typename } } } }', ['id']],
      ['{ nodes { ... on Node @defer { ... on User { __typename } ... on Product { upc } } } }', ['upc']],
    ] as const) {
      const items = (await agree(query)).payloads.flatMap((p) => p.incremental ?? []);
      expect(items.map((item) => item.path)).toEqual([0, 1, 2].map((i) => ['nodes', i]));
      for (const item of items) expect(Object.keys(item.data!), query).toEqual(keys);
    }
  });

  it('`if: false` and `if: $variable` false deliver everything in the first payload', async () => {
    for (const [query, variables] of [
      ['{ me { id ... @defer(if: false) { name } } }', {}],
      ['query($d: Boolean!) { me { id ... @defer(if: $d) { name } } }', { d: false }],
    ] as const) {
      const { initial, payloads } = await agree(query, variables);
      expect(initial.data).toEqual({ me: { id: '1', name: 'Ada' } });
      expect(payloads).toEqual([]);
    }
    const { initial, payloads } = await agree('query($d: Boolean!) { me { id ... @defer(if: $d) { name } } }', { d: true });
    expect(initial.data).toEqual({ me: { id: '1' } });
    expect(payloads).toHaveLength(1);
  });

  it('deferred fragments on types, on interfaces, and over several subgraphs', async () => {
    await agree('{ media { id ... on Book @defer(label: "book") { pages } ... @defer { title stars } } }');
    await agree(
      '{ search(term: "a") { __typename ... on User @defer { name email } ... on Review { body ... @defer { product { name } } } } }',
    );
    await agree('{ topRated { id ... @defer { title fans { name } } } }');
  });

  it('without multipart in Accept: one complete result, as if there were no @defer', async () => {
    const query = '{ me { id ... @defer { name reviews { body } } } }';
    for (const accept of [undefined, 'application/json', 'multipart/mixed;subscriptionSpec=1.0']) {
      const { initial, subsequent } = await execute(engine.executor, engine.schema, query, {}, accept);
      expect(subsequent).toBeUndefined();
      const expected = await execute(stock.executor, undefined, withoutDefer(query), {});
      expect(comparable(initial)).toEqual(comparable(expected.initial));
    }
  });

  it('closing the payloads early sends no further subgraph request', async () => {
    const query = '{ me { id ... @defer { reviews { id ... @defer { author { name } } } } } }';
    const { subsequent } = await execute(engine.executor, engine.schema, query, {}, INCREMENTAL);
    requests = [];
    await subsequent!.return();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { payloads } = await deliver(query);
    const full = requests.length;
    expect(payloads.length).toBeGreaterThan(0);
    expect(full).toBeGreaterThan(0);
    // Only the first deferred block's request (already under way) was sent for the closed response.
    requests = [];
    const second = await execute(engine.executor, engine.schema, query, {}, INCREMENTAL);
    const iterator = second.subsequent!;
    await iterator.return();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests.length).toBeLessThan(full);
  });

  it('cancelling while a part is awaited ends the payloads at once', async () => {
    const query = '{ me { id ... @defer { reviews { id ... @defer { author { name } } } } } }';
    const { subsequent } = await execute(engine.executor, engine.schema, query, {}, INCREMENTAL);
    const next = subsequent!.next();
    cancelSubsequentPayloads(subsequent!);
    await next;
    expect(await subsequent!.next()).toEqual({ done: true, value: undefined });
  });

  it('the stock executor has no @defer: a validation error with a code', () => {
    const errors = validate(stock.schema, parse('{ me { ... @defer { name } } }'));
    expect(errors.map((e) => e.message)).toEqual(['Unknown directive "@defer".']);
  });

  it('reads Accept as Apollo’s clients send it', () => {
    expect(acceptsIncrementalDelivery('multipart/mixed;deferSpec=20220824,application/json')).toBe(true);
    expect(acceptsIncrementalDelivery('multipart/mixed; deferSpec="20220824", application/graphql-response+json')).toBe(true);
    expect(acceptsIncrementalDelivery('multipart/mixed;subscriptionSpec=1.0, application/json')).toBe(false);
    expect(acceptsIncrementalDelivery('multipart/mixed')).toBe(false);
    expect(acceptsIncrementalDelivery('multipart/mixed;deferSpec=20220824;q=0')).toBe(false);
    expect(acceptsIncrementalDelivery(undefined)).toBe(false);
  });

  /**
   * The random operations are the same in every run (as `test/fuzz.e2e.test.ts`'s), so a run of the suite
   * cannot pass or fail by chance; `ENGINE_DEFER_SEED=<n> ENGINE_DEFER_RUNS=<n>` explores others.
   */
  it('on random operations with @defer on fragments and on wrapped fields', async () => {
    const runs = Number(process.env.ENGINE_DEFER_RUNS ?? 150);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const { query, variables } = randomOperation(stock.schema, seed);
        // Not over the @interfaceObject types (Media): there the plain plan, the reference, lets the
        // ratings subgraph's `__typename: "Media"` replace a Movie's type and drops its `... on Movie`
        // fields, which the deferred plan delivers (see the fixed cases above for what is delivered).
        // Nor over the inventory subgraph's fields (inStock, shippingEstimate, location), whose fixtures
        // fail whole entities: a deferred plan fetches them in other groups than the plain one, so other
        // fields share a failed entity's null.
        if (/\b(topRated|media|featured|inStock|shippingEstimate|location)\b/.test(query)) return;
        const deferred = insertDefers(query, seed);
        // The planner refuses a few deferred shapes (an assertion while planning): those run without @defer.
        await agree(deferred, variables, false);
      }),
      // The examples: operations that once failed (two blocks at `me`, one under `me @skip(if: true)`;
      // `__typename` under `... on User @defer` inside `nodes`, sent for Products).
      { numRuns: runs, endOnFailure: true, seed: DEFER_SEED, examples: [[1328184494], [1006026827]] },
    );
  }, 600_000);

  it('on random operations over Iris’s own supergraph, its subgraphs answered by mocks', async () => {
    const iris = await executorsOver(mockGraph(readFileSync(new URL('../../../schema/supergraph.graphql', import.meta.url), 'utf8')));
    const runs = Number(process.env.ENGINE_DEFER_RUNS ?? 150);
    let deferred = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const { query, variables } = randomOperation(iris.stock.schema, seed);
        const { payloads } = await agree(insertDefers(query, seed), variables, false, iris);
        if (payloads.some((payload) => payload.incremental?.length)) deferred++;
      }),
      // The example: an operation that once failed (a list's element nulled in the first payload, and
      // asked again in a deferred part).
      { numRuns: runs, endOnFailure: true, seed: DEFER_SEED, examples: [[710533360]] },
    );
    // The mocks answer every entity by its key, whichever route fetched it, so the deferred plans and
    // the plain one read the same values. About two operations in three have parts after the first payload.
    expect(deferred).toBeGreaterThan(runs / 4);
  }, 600_000);
});

/** Puts @defer on some inline fragments and wraps some fields of object selections in `... @defer { }`. */
function insertDefers(query: string, seed: number): string {
  let state = seed >>> 0 || 1;
  const chance = (p: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 < p;
  };
  let labels = 0;
  const defer = (): DirectiveNode => ({
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: 'defer' },
    arguments: chance(0.5)
      ? [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'label' }, value: { kind: Kind.STRING, value: `d${labels++}` } }]
      : [],
  });
  const document = visit(parse(query), {
    InlineFragment: (node) => (chance(0.4) ? { ...node, directives: [...(node.directives ?? []), defer()] } : undefined),
    SelectionSet: {
      leave: (node, _key, parent) => {
        // Not at the root of the operation: Apollo's planner defers inside fields.
        if (!parent || Array.isArray(parent) || (parent as { kind: string }).kind === Kind.OPERATION_DEFINITION) return undefined;
        if (!chance(0.35) || node.selections.length < 2) return undefined;
        const moved: SelectionNode[] = node.selections.filter((s) => s.kind === Kind.FIELD && s.name.value !== '__typename' && chance(0.5));
        if (moved.length === 0) return undefined;
        const kept = node.selections.filter((s) => !moved.includes(s));
        return {
          ...node,
          selections: [
            ...kept,
            { kind: Kind.INLINE_FRAGMENT, directives: [defer()], selectionSet: { kind: Kind.SELECTION_SET, selections: moved } },
          ],
        };
      },
    },
  });
  return print(document);
}
