/**
 * The executor alone, in one process: @apollo/gateway's executor and Iris's engine run the same
 * operations over an in-memory supergraph whose subgraph answers are recorded once and replayed
 * (parsed from JSON each time, as off the wire), so what is measured is the gateway's own work:
 * planning cache lookups, subgraph requests, entity merging and the response's shape.
 *
 *   pnpm tsx bench/engine.ts            BENCH_ENGINE_SECONDS=3 (per executor and operation)
 */
import { comparable, execute, loadExecutors, prepare, run } from '../gateway/src/engine/testing/compare.js';
import { inMemoryGraph } from '../gateway/src/engine/testing/subgraphs.js';
import { isDeepStrictEqual } from 'node:util';
import { FANOUT_QUERY, FANOUT_VARIABLES, fanoutSubgraph, fanoutSupergraph, subgraphNames } from './fanout/graph.js';

const SECONDS = Number(process.env.BENCH_ENGINE_SECONDS ?? 3);
const graph = inMemoryGraph();
const recorded = new Map<string, string>();
const live = graph.fetch;
graph.fetch = async (serviceName, request) => {
  const key = `${serviceName}\u0000${request.query}\u0000${JSON.stringify(request.variables)}`;
  let text = recorded.get(key);
  if (text === undefined) recorded.set(key, (text = JSON.stringify(await live(serviceName, request))));
  return JSON.parse(text);
};
const executors = await loadExecutors(graph);
// The fan-out graph of `pnpm bench:fanout`: 100 products, 500 reviews and their authors over four subgraphs.
const fanoutAnswers = new Map(subgraphNames.map((name) => [name, fanoutSubgraph(name)]));
const fanout = await loadExecutors({
  supergraphSdl: fanoutSupergraph({}),
  schemas: new Map(),
  fetch: async (name, request) => JSON.parse(await fanoutAnswers.get(name)!(JSON.stringify(request))),
});

const operations: Record<string, string> = {
  nested: `{ a: topProducts(first: 3) { upc name price inStock location reviews { id rating author { name username numberOfReviews reviews { id rating product { name inStock } } } } }
             b: reviews { id product { upc name inStock reviews { id author { name birthYear } } } author { name reviews { rating product { price } } } } }`,
  single: '{ users { id name username birthYear } me { id name } }',
  media: '{ media { id title stars fans { name } ... on Book { pages } } topRated { id title stars } }',
};

const cases = [
  ...Object.entries(operations).map(([name, query]) => ({ name, query, variables: {}, executors })),
  { name: 'fanout', query: FANOUT_QUERY, variables: FANOUT_VARIABLES, executors: fanout },
];
for (const { name, query, variables, executors } of cases) {
  // Errors of parallel fetches come in the order the fetches settle, which replayed answers do not fix.
  const sorted = (r: ReturnType<typeof comparable>) => ({ ...r, errors: r.errors?.map((e) => JSON.stringify(e)).sort() });
  const reference = sorted(comparable((await run(executors.stock, executors.apiSchema, query, variables)) as never));
  const mine = sorted(comparable((await run(executors.engine, executors.apiSchema, query, variables)) as never));
  if (!isDeepStrictEqual(mine, reference))
    throw new Error(`${name}: the executors disagree\n${JSON.stringify(mine)}\n${JSON.stringify(reference)}`);
  const prepared = prepare(executors.apiSchema, query, variables);
  const line: string[] = [];
  for (const which of ['stock', 'engine'] as const) {
    const executor = executors[which];
    const until = performance.now() + SECONDS * 1000;
    const cpu = process.cpuUsage();
    let count = 0;
    while (performance.now() < until) {
      await execute(executor, prepared);
      count++;
    }
    const used = process.cpuUsage(cpu);
    line.push(`${which} ${((used.user + used.system) / 1000 / count).toFixed(3)} ms CPU/op (${count} ops)`);
  }
  console.log(`${name.padEnd(7)} ${line.join('   ')}`);
}
await executors.stop();
await fanout.stop();
