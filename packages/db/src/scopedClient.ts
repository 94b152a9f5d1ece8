import { SUBGRAPH_NAMES, type SubgraphName } from '@iris/core';
import type { Prisma, PrismaClient } from './generated/prisma/client.js';
import type { MODEL_SCHEMAS } from './generated/modelSchemas.js';

/**
 * A subgraph's database client: its own models only. The design rule "a subgraph reads and writes
 * only its own tables" holds by construction: the type offers only the delegates of the models whose
 * `@@schema` is the subgraph's, and the runtime proxy throws on any other subgraph's model (a cast or
 * an `any` cannot reach past it). Models of no subgraph (shared infrastructure, such as the outbox)
 * are open to every subgraph, so they can be written inside each subgraph's transactions.
 *
 * Which model belongs where is read from Prisma's generated runtime data model (each model's
 * `@@schema`), at run time from the client, and for the types from `generated/modelSchemas.ts`,
 * which `pnpm generate` writes from the same data (see `generateModelSchemas.ts`).
 */

type ModelSchemas = typeof MODEL_SCHEMAS;
type ModelName = keyof ModelSchemas;

/** The models a subgraph may use: its own, and those that belong to no subgraph. */
export type ModelsOf<S extends SubgraphName> = {
  [M in ModelName]: ModelSchemas[M] extends S ? M : ModelSchemas[M] extends SubgraphName ? never : M;
}[ModelName];

type Delegates<S extends SubgraphName> = Uncapitalize<ModelsOf<S>>;
type RawSql = '$queryRaw' | '$executeRaw' | '$queryRawUnsafe' | '$executeRawUnsafe';

/** The `tx` of a scoped client's interactive transaction: the same models, no nested transactions. */
export type ScopedTransaction<S extends SubgraphName> = Pick<Prisma.TransactionClient, Delegates<S> | RawSql>;

export type ScopedClient<S extends SubgraphName> = Pick<PrismaClient, Delegates<S> | RawSql> & {
  $transaction<R>(
    work: (tx: ScopedTransaction<S>) => Promise<R>,
    options?: { maxWait?: number; timeout?: number; isolationLevel?: Prisma.TransactionIsolationLevel },
  ): Promise<R>;
  $transaction<P extends Prisma.PrismaPromise<unknown>[]>(
    queries: [...P],
    options?: { isolationLevel?: Prisma.TransactionIsolationLevel },
  ): Promise<{ [K in keyof P]: Awaited<P[K]> }>;
};

interface RuntimeDataModel {
  models: Record<string, { schema?: string | null }>;
}

/** Each model's PostgreSQL schema (`@@schema`), from the client's generated runtime data model. */
export function modelSchemas(prisma: PrismaClient): Record<string, string | null> {
  const dataModel = (prisma as unknown as { _runtimeDataModel?: RuntimeDataModel })._runtimeDataModel;
  // Prisma keeps this internal; should a release move it, every subgraph stops at start, not later.
  if (!dataModel?.models)
    throw new Error('The Prisma client carries no runtime data model: scopedClient cannot tell which subgraph owns which model.');
  return Object.fromEntries(Object.entries(dataModel.models).map(([model, { schema }]) => [model, schema ?? null]));
}

const isSubgraph = (schema: string | null): schema is SubgraphName => (SUBGRAPH_NAMES as readonly (string | null)[]).includes(schema);
const delegateName = (model: string) => model.charAt(0).toLowerCase() + model.slice(1);

/** The client `subgraph` may use: see {@link ScopedClient}. */
export function scopedClient<S extends SubgraphName>(prisma: PrismaClient, subgraph: S): ScopedClient<S> {
  const foreign = new Map<string, { model: string; owner: SubgraphName }>();
  for (const [model, schema] of Object.entries(modelSchemas(prisma))) {
    if (isSubgraph(schema) && schema !== subgraph) foreign.set(delegateName(model), { model, owner: schema });
  }
  return guard(prisma, subgraph, foreign) as unknown as ScopedClient<S>;
}

function guard<T extends object>(client: T, subgraph: SubgraphName, foreign: Map<string, { model: string; owner: SubgraphName }>): T {
  return new Proxy(client, {
    get(target, property) {
      if (typeof property === 'string') {
        const other = foreign.get(property);
        if (other) {
          throw new Error(
            `The ${subgraph} subgraph may not use ${other.model}: it is the ${other.owner} subgraph's. ` +
              'Subgraphs share ids, entity references and events, never tables.',
          );
        }
        if (property === '$transaction') {
          const transaction = (target as unknown as PrismaClient).$transaction.bind(target) as (...args: unknown[]) => Promise<unknown>;
          // An interactive transaction's `tx` is a client of its own: it is held to the same models.
          return (work: unknown, options?: unknown) =>
            typeof work === 'function'
              ? transaction((tx: object) => (work as (tx: object) => unknown)(guard(tx, subgraph, foreign)), options)
              : transaction(work, options);
        }
      }
      const value: unknown = Reflect.get(target, property, target);
      // Prisma's methods ($queryRaw as a tagged template, too) expect the client itself as `this`.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
