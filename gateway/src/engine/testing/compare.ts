import { createHash } from 'node:crypto';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { parse, validate, type GraphQLSchema } from 'graphql';
import { EngineGateway } from '../gateway.js';
import type { CompiledPlan } from '../plan.js';
import type { InMemoryGraph } from './subgraphs.js';

type Executor = ApolloGateway['executor'];

export interface Executors {
  apiSchema: GraphQLSchema;
  stock: Executor;
  engine: Executor;
  stop(): Promise<void>;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** @apollo/gateway's executor and the engine's, over the same supergraph and the same in-memory subgraphs. */
export async function loadExecutors(graph: InMemoryGraph): Promise<Executors> {
  const buildService = ({ name }: { name: string }): GraphQLDataSource => ({
    process: ({ request }) =>
      graph.fetch(name, { query: request.query!, variables: request.variables, operationName: request.operationName }) as never,
  });
  const stockGateway = new ApolloGateway({ supergraphSdl: graph.supergraphSdl, buildService, logger: quiet });
  // Reporting unresolved entities, as Iris does: the reports are compared apart (`comparable`).
  const engineGateway = new EngineGateway(
    { supergraphSdl: graph.supergraphSdl, buildService, logger: quiet },
    { reportUnresolvedEntities: true },
  );
  const stock = await stockGateway.load();
  const engine = await engineGateway.load();
  return {
    apiSchema: stock.schema,
    stock: stock.executor,
    engine: engine.executor,
    stop: async () => {
      await stockGateway.stop();
      await engineGateway.stop();
    },
  };
}

/** What a response is compared on: data byte for byte, each error's message, path and extensions, in order. */
export function comparable(result: { data?: unknown; errors?: readonly any[]; extensions?: Record<string, any> }) {
  const error = (e: any) => ({ message: e.message, path: e.path, extensions: e.extensions });
  return {
    data: JSON.stringify(result.data),
    errors: result.errors?.map(error),
    valueCompletion: result.extensions?.valueCompletion?.map(error),
  };
}

/** Runs one operation through an executor as Apollo Server would after parsing and validating it. */
export async function run(
  executor: Executor,
  apiSchema: GraphQLSchema,
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
) {
  return execute(executor, prepare(apiSchema, query, variables, operationName));
}

/** The parsed and validated operation, for `execute`: what Apollo Server hands the gateway's executor. */
export function prepare(apiSchema: GraphQLSchema, query: string, variables: Record<string, unknown> = {}, operationName?: string) {
  const document = parse(query);
  const errors = validate(apiSchema, document);
  if (errors.length > 0) throw new Error(`invalid operation: ${errors.map((e) => e.message).join('; ')}\n${query}`);
  return { query, variables, operationName, document, queryHash: createHash('sha256').update(query).digest('hex') };
}

export async function execute(executor: Executor, { query, variables, operationName, document, queryHash }: ReturnType<typeof prepare>) {
  const requestContext = {
    request: { query, variables, operationName },
    document,
    queryHash,
    operationName: operationName ?? null,
    metrics: {},
    logger: quiet,
    context: {},
    cache: undefined,
    overallCachePolicy: undefined,
  };
  try {
    return await executor(requestContext as never);
  } catch (error) {
    return { thrown: (error as Error).message };
  }
}

/**
 * Whether the engine answered an operation with its one fetch's answer as it came (`passThrough.ts`):
 * the plan has a pass-through fetch, @apollo/gateway's response has no error (so the subgraph's answer
 * was that response's data, unchanged), and the plan's check accepts that answer. Throws when the check
 * refuses such an answer: it would be shaping answers that need none.
 */
export function passedThrough(
  compiled: CompiledPlan | undefined,
  stock: { data?: unknown; errors?: unknown; extensions?: unknown },
  variables: Record<string, unknown>,
): boolean {
  if (!compiled?.passThrough || stock.errors || stock.extensions || typeof stock.data !== 'object' || stock.data === null) return false;
  const answer = JSON.parse(JSON.stringify(stock.data));
  if (!compiled.passThrough.conforms(answer, variables)) {
    throw new Error(`the pass-through check refused an answer that needs no shaping: ${JSON.stringify(answer)}`);
  }
  return true;
}
