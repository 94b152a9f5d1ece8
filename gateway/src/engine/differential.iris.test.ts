import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_TABS } from '../playground/examples.js';
import { PlanEngine, type CompiledPlan } from './plan.js';
import { comparable, loadExecutors, passedThrough, run, type Executors } from './testing/compare.js';
import { mockGraph } from './testing/mockSubgraphs.js';
import { randomOperation } from './testing/operations.js';

// Iris's own supergraph, its subgraphs answered by deterministic mocks (nulls, errors, entities
// included): the operations the examples and the playground send, and random ones from its API
// schema, through @apollo/gateway's executor and through the engine, must give the same response.
const root = new URL('../../../', import.meta.url);
let executors: Executors;
const compiles = vi.spyOn(PlanEngine.prototype, 'compile');
/** The plan the engine compiled last: the last operation's. */
const lastCompiled = () => compiles.mock.results.at(-1)?.value as CompiledPlan | undefined;

beforeAll(async () => {
  executors = await loadExecutors(mockGraph(readFileSync(new URL('schema/supergraph.graphql', root), 'utf8')));
});
afterAll(() => executors?.stop());

async function agree(query: string, variables: Record<string, unknown>, operationName?: string) {
  const stock = await run(executors.stock, executors.apiSchema, query, variables, operationName);
  const engine = await run(executors.engine, executors.apiSchema, query, variables, operationName);
  expect(comparable(engine as never), query).toEqual(comparable(stock as never));
  return stock as { data?: unknown; errors?: unknown; extensions?: unknown };
}

/** Values for an operation's variables, of the declared types (defaults and nullable ones left out). */
function variablesFor(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const value = (type: GraphQLInputType): unknown => {
    const nullable = getNullableType(type);
    if (isListType(nullable)) return [value(nullable.ofType)];
    if (isEnumType(nullable)) return nullable.getValues()[0]!.name;
    if (isInputObjectType(nullable)) {
      return Object.fromEntries(
        Object.values(nullable.getFields())
          .filter((f) => isNonNullType(f.type))
          .map((f) => [f.name, value(f.type)]),
      );
    }
    return { Int: 1, Float: 1.5, Boolean: true, ID: '1', String: 'x' }[nullable.name] ?? '2026-01-01T00:00:00.000Z';
  };
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (type && isNonNullType(type) && !definition.defaultValue) variables[definition.variable.name.value] = value(type);
  }
  return variables;
}

function exampleOperations(): { name: string; query: string }[] {
  // Each codegen document is one operation or one fragment; an operation takes the fragments it spreads.
  const fromExamples = ['examples/client/src/operations.ts', 'examples/web/src/operations.ts'].flatMap((file) => {
    const documents = [...readFileSync(new URL(file, root), 'utf8').matchAll(/graphql\(`([\s\S]*?)`\)/g)].map((m) => m[1]!);
    const fragments = new Map(documents.flatMap((text) => [...text.matchAll(/fragment (\w+) on/g)].map((m) => [m[1]!, text] as const)));
    const withFragments = (text: string) => {
      const used = new Set<string>();
      const visit = (t: string) => {
        for (const [, name] of t.matchAll(/\.\.\.\s*(\w+)/g)) {
          if (name === 'on' || used.has(name!) || !fragments.has(name!)) continue;
          used.add(name!);
          visit(fragments.get(name!)!);
        }
      };
      visit(text);
      return [text, ...[...used].map((name) => fragments.get(name)!)].join('\n');
    };
    return documents
      .filter((text) => !/^\s*fragment /.test(text))
      .map((text, i) => ({ name: `${file} #${i + 1}`, query: withFragments(text) }));
  });
  const fromPlayground = EXAMPLE_TABS.map((tab) => ({ name: `playground: ${tab.title}`, query: tab.query }));
  return [...fromExamples, ...fromPlayground].filter(({ query }) => {
    const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    return operation && operation.operation !== 'subscription';
  });
}

describe("engine and @apollo/gateway agree on Iris's supergraph", () => {
  const examples = exampleOperations();
  it('has example operations to run', () => expect(examples.length).toBeGreaterThan(5));

  it.each(examples)('$name', async ({ query }) => {
    const document = parse(query);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation === 'subscription') continue;
      await agree(query, variablesFor(executors.apiSchema, definition), definition.name?.value);
    }
  });

  it('on random valid operations generated from the API schema', async () => {
    const runs = Number(process.env.ENGINE_DIFF_RUNS ?? 200);
    let passed = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const { query, variables } = randomOperation(executors.apiSchema, seed, 3);
        const stock = await agree(query, variables);
        if (passedThrough(lastCompiled(), stock, variables)) passed++;
      }),
      { numRuns: runs, endOnFailure: true },
    );
    if (process.env.ENGINE_DIFF_REPORT) console.log(`passed through unshaped: ${passed} of ${runs}`);
    // Some are one-fetch plans answered without shaping, and agree all the same.
    expect(passed).toBeGreaterThan(0);
  }, 600_000);
});
