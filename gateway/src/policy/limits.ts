import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { graphqlErrorBody, type Config } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import {
  GraphQLError,
  MaxIntrospectionDepthRule,
  getNamedType,
  isListType,
  getNullableType,
  isLeafType,
  Kind,
  validate,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
// Its ES module build imports graphql's .mjs files, a second graphql-js next to the CommonJS one
// @apollo/gateway builds the schema with; the CommonJS build shares it.
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity/cjs';
import type { GatewayContext } from '../context.js';
import type { GatewayPlugin } from '../plugin.js';

/**
 * Operation limits, all enforced before the query planner runs, so an abusive document never reaches
 * a subgraph:
 * - size: the `query` text in bytes and, while parsing, in tokens (`parseOptions`);
 * - shape: depth, aliases, directives and root fields (validation rules);
 * - cost: fields weighted by the page sizes they ask for (a plugin, because it needs the variables);
 * - batching: operations per HTTP request.
 * Every refusal is a GraphQL error saying which limit was hit and what the limit is.
 */
export type OperationLimits = Pick<
  Config,
  | 'MAX_QUERY_DEPTH'
  | 'MAX_ALIASES'
  | 'MAX_ROOT_FIELDS'
  | 'MAX_DIRECTIVES'
  | 'MAX_TOKENS'
  | 'MAX_DOCUMENT_BYTES'
  | 'MAX_QUERY_COST'
  | 'MAX_BATCH_SIZE'
>;

export function limitValidationRules(limits: OperationLimits): ValidationRule[] {
  return [
    armorRule('depth', limits.MAX_QUERY_DEPTH, (options) => maxDepthRule({ ...options, flattenFragments: true })),
    armorRule('aliases', limits.MAX_ALIASES, maxAliasesRule),
    armorRule('directives', limits.MAX_DIRECTIVES, maxDirectivesRule),
    maxRootFieldsRule(limits.MAX_ROOT_FIELDS),
    ...introspectionLimitRules,
  ];
}

type ArmorOptions = {
  n: number;
  exposeLimits: boolean;
  propagateOnRejection: boolean;
  onReject: ((context: ValidationContext | null, error: GraphQLError) => void)[];
};

/**
 * A GraphQL Armor rule that reports its refusal as a validation error (Armor throws by default, which
 * Apollo Server would turn into a 500), named by limit and without Armor's "Syntax Error" prefix.
 */
function armorRule(limit: string, max: number, rule: (options: ArmorOptions) => ValidationRule): ValidationRule {
  return rule({
    n: max,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context, error) => {
        // Armor says what it counted only in its message ("… exceeded, found 15.").
        const found = /\bfound (\d+)/.exec(error.message)?.[1];
        context?.reportError(
          new GraphQLError(`${error.message.replace(/^Syntax Error: /, '')} Simplify the operation or split it.`, {
            extensions: { limit, max, ...(found !== undefined && { found: Number(found) }) },
          }),
        );
      },
    ],
  });
}

export const limitParseOptions = (limits: OperationLimits) => ({ maxTokens: limits.MAX_TOKENS });

/** Root fields (through fragments), so one request cannot fan out to every subgraph many times over. */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const count = (selectionSet: SelectionSetNode, seen: Set<string>): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) total += selection.name.value.startsWith('__') ? 0 : 1;
        else if (selection.kind === Kind.INLINE_FRAGMENT) total += count(selection.selectionSet, seen);
        else if (!seen.has(selection.name.value)) {
          const fragment = fragments.get(selection.name.value);
          if (fragment) total += count(fragment.selectionSet, new Set(seen).add(selection.name.value));
        }
      }
      return total;
    };
    return {
      OperationDefinition(operation) {
        const found = count(operation.selectionSet, new Set());
        if (found > max) {
          context.reportError(
            new GraphQLError(`This operation asks for ${found} root fields; the limit is ${max}. Split it into several operations.`, {
              nodes: [operation],
              extensions: { limit: 'rootFields', max, found },
            }),
          );
        }
      },
    };
  };
}

/**
 * Introspection is not priced by the cost limit (a schema-loading query of GraphiQL, Postman or
 * GraphQL Code Generator multiplies dozens of nested lists and would cost tens of thousands), so it is
 * bounded by its own rules instead: how many `__schema` / `__type` selections one operation holds,
 * how deep a selection under them goes (the standard query's `ofType` chain is 9 deep), and graphql-js's
 * rule against `fields { type { fields { … } } }` recursion. The standard queries stay well inside.
 */
export const MAX_INTROSPECTION_ROOT_FIELDS = 3;
export const MAX_INTROSPECTION_DEPTH = 20;

const introspectionLimitRules: ValidationRule[] = [MaxIntrospectionDepthRule, introspectionShapeRule];

function introspectionShapeRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  /** The deepest field nesting under `selectionSet`, through fragments; stops once past the limit. */
  const depthOf = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>, depth: number): number => {
    if (depth > MAX_INTROSPECTION_DEPTH) return depth;
    let deepest = depth;
    for (const selection of selectionSet.selections) {
      let found = depth;
      if (selection.kind === Kind.FIELD) found = selection.selectionSet ? depthOf(selection.selectionSet, seen, depth + 1) : depth + 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) found = depthOf(selection.selectionSet, seen, depth);
      else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) found = depthOf(fragment.selectionSet, new Set(seen).add(selection.name.value), depth);
      }
      deepest = Math.max(deepest, found);
      if (deepest > MAX_INTROSPECTION_DEPTH) break;
    }
    return deepest;
  };
  /** The `__schema` and `__type` fields at the operation's root, through fragments. */
  const rootsOf = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>, found: SelectionSetNode[]): SelectionSetNode[] => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.name.value === '__schema' || selection.name.value === '__type') && selection.selectionSet)
          found.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) rootsOf(selection.selectionSet, seen, found);
      else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        if (fragment) rootsOf(fragment.selectionSet, new Set(seen).add(selection.name.value), found);
      }
    }
    return found;
  };
  return {
    OperationDefinition(operation) {
      const roots = rootsOf(operation.selectionSet, new Set(), []);
      if (roots.length > MAX_INTROSPECTION_ROOT_FIELDS) {
        context.reportError(
          new GraphQLError(
            `This operation asks for the schema ${roots.length} times (\`__schema\` / \`__type\`); the limit is ${MAX_INTROSPECTION_ROOT_FIELDS}. Load the schema once with one introspection query.`,
            { nodes: [operation], extensions: { limit: 'introspection', max: MAX_INTROSPECTION_ROOT_FIELDS, found: roots.length } },
          ),
        );
        return;
      }
      for (const root of roots) {
        const depth = depthOf(root, new Set(), 1);
        if (depth > MAX_INTROSPECTION_DEPTH) {
          context.reportError(
            new GraphQLError(
              `This introspection query nests deeper than ${MAX_INTROSPECTION_DEPTH} fields; the standard introspection query (graphql's getIntrospectionQuery) fits. Ask for fewer nested \`ofType\`.`,
              { nodes: [operation], extensions: { limit: 'introspectionDepth', max: MAX_INTROSPECTION_DEPTH } },
            ),
          );
          return;
        }
      }
    },
  };
}

/** The page size a connection returns when the caller passes neither `first` nor `last`. */
const DEFAULT_PAGE_SIZE = 20;
/** What a plain list field (no paging arguments) is assumed to hold. */
const ASSUMED_LIST_SIZE = 10;

/**
 * An operation costs the objects the gateway may have to assemble for it: each object field costs 1
 * plus what it selects, a scalar or enum nothing (it comes with the object that holds it, and the
 * number of fields is already bounded by MAX_TOKENS). A connection (`…Connection` with `first`/`last`)
 * multiplies what it selects by the page size asked for, a plain list of objects by
 * {@link ASSUMED_LIST_SIZE}. So the largest page of marks with every field of each mark, its device,
 * capture and analysis costs about 7,000, and a page of 100 marks each with a page of 100 of
 * something with a few objects each costs 30,000 or more.
 */
export const fieldCostEstimator: ComplexityEstimator = ({ type: parent, field, args, childComplexity }) => {
  // Introspection (`__schema`, `__type` and what they select) has limits of its own: see MAX_INTROSPECTION_DEPTH.
  if (field.name.startsWith('__') || parent.name.startsWith('__')) return 0;
  const type = getNullableType(field.type);
  if (isLeafType(getNamedType(type))) return 0;
  // A connection's `edges` / `nodes` are the page its `first` already priced.
  if (parent.name.endsWith('Connection') && (field.name === 'edges' || field.name === 'nodes')) return 1 + childComplexity;
  if (getNamedType(type).name.endsWith('Connection')) {
    const size = Number(args.first ?? args.last ?? DEFAULT_PAGE_SIZE);
    return 1 + childComplexity * Math.max(1, Number.isFinite(size) ? size : DEFAULT_PAGE_SIZE);
  }
  if (isListType(type)) return 1 + (1 + childComplexity) * ASSUMED_LIST_SIZE;
  return 1 + childComplexity;
};

/** The refusal for an operation whose estimated cost is over `max`, or null. */
export function costLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | null | undefined,
  max: number,
): GraphQLError | null {
  const cost = operationCost(schema, document, variables, operationName);
  return cost === null ? null : costRefusal(cost, max);
}

/** The estimated cost, or null when the variables do not fit the operation (execution reports that). */
function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | null | undefined,
): number | null {
  try {
    return getComplexity({
      schema,
      query: document,
      variables,
      ...(operationName ? { operationName } : {}),
      estimators: [fieldCostEstimator],
      maxQueryNodes: MAX_PRICED_SELECTIONS,
    });
  } catch (err) {
    // Fragments spread into more selections than the walk reads are refused, not let through unpriced.
    if (err instanceof Error && /maximum allowed number of nodes/.test(err.message)) return Number.POSITIVE_INFINITY;
    return null;
  }
}

/** Selections the cost walk reads (fragments expanded where they are spread) before it gives up and refuses. */
const MAX_PRICED_SELECTIONS = 10_000;

function costRefusal(cost: number, max: number): GraphQLError | null {
  if (cost <= max) return null;
  if (!Number.isFinite(cost)) {
    return new GraphQLError(
      `This operation spreads into more than ${MAX_PRICED_SELECTIONS} selections once its fragments are expanded; its cost cannot be under the limit of ${max}. Use fewer fragment spreads.`,
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost', max, http: { status: 400 } } },
    );
  }
  return new GraphQLError(
    `This operation's estimated cost is ${cost}; the limit is ${max}. Ask for smaller pages (\`first\`) or fewer nested fields.`,
    { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost', max, found: cost, http: { status: 400 } } },
  );
}

/**
 * The variables an operation's cost can depend on: those inside a `first` or `last` argument (the page
 * sizes {@link fieldCostEstimator} reads) or a directive's arguments (`@skip` / `@include` decide what
 * is counted). Any other variable (a cursor, a filter, an id) leaves the cost as it is.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (value: ValueNode) => {
    if (value.kind === Kind.VARIABLE) names.add(value.name.value);
    else if (value.kind === Kind.LIST) for (const element of value.values) collect(element);
    else if (value.kind === Kind.OBJECT) for (const field of value.fields) collect(field.value);
  };
  visit(document, {
    Argument(argument) {
      if (argument.name.value === 'first' || argument.name.value === 'last') collect(argument.value);
    },
    Directive(directive) {
      for (const argument of directive.arguments ?? []) collect(argument.value);
    },
  });
  return [...names].sort();
}

interface CostCache {
  variables: string[];
  /** Keys (operation name and the values of `variables`) whose cost was found within the limit. */
  withinLimit: Set<string>;
}

/** Distinct costs remembered per document: page sizes are few, so this is rarely reached. */
const MAX_COSTS_PER_DOCUMENT = 256;

/**
 * The cost limit on every operation. A document's cost is computed once per operation name and
 * values of the variables it depends on (`first`, `last`, directive arguments: see
 * {@link costVariables}), not per request: the same query with another cursor or filter is admitted
 * without walking it again. Apollo Server hands over the same parsed document for the same query
 * text, so the cache lives as long as that document (and that schema). Only admissions are cached: a
 * refusal (or an operation whose variables do not fit it) is computed again every time.
 */
export function costLimitPlugin(max: number): ApolloServerPlugin<GatewayContext> {
  const caches = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, CostCache>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName }) {
          const variables = request.variables ?? {};
          let bySchema = caches.get(schema);
          if (!bySchema) caches.set(schema, (bySchema = new WeakMap()));
          let cache = bySchema.get(document);
          if (!cache) bySchema.set(document, (cache = { variables: costVariables(document), withinLimit: new Set() }));
          // A variable left out (its default applies) and one given as null price differently.
          const key = JSON.stringify([
            operationName ?? null,
            ...cache.variables.map((name) => (name in variables ? [variables[name]] : [])),
          ]);
          if (cache.withinLimit.has(key)) return;
          const cost = operationCost(schema, document, variables, operationName);
          // Variables that do not fit the operation are reported by execution with a proper message;
          // nothing is cached then, since no cost was found.
          if (cost === null) return;
          const refusal = costRefusal(cost, max);
          if (refusal) throw refusal;
          if (cache.withinLimit.size < MAX_COSTS_PER_DOCUMENT) cache.withinLimit.add(key);
        },
      };
    },
  };
}

/**
 * Limits read from the HTTP body before Apollo Server sees it: the number of operations in a batch
 * and the size of each document.
 */
export function registerRequestLimits(app: FastifyInstance, limits: OperationLimits, path = '/graphql'): void {
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url !== path) return;
    const body = request.body;
    const operations = Array.isArray(body) ? body : [body ?? request.query];
    if (Array.isArray(body) && body.length > limits.MAX_BATCH_SIZE) {
      const message =
        limits.MAX_BATCH_SIZE === 1
          ? 'Batched requests are turned off here: send one operation per request.'
          : `This batch holds ${body.length} operations; the limit is ${limits.MAX_BATCH_SIZE}. Send the rest in another request.`;
      return reply
        .code(400)
        .send(graphqlErrorBody(message, 'BAD_REQUEST', { limit: 'batchSize', max: limits.MAX_BATCH_SIZE, found: body.length }));
    }
    for (const operation of operations) {
      const query = (operation as { query?: unknown } | null)?.query;
      if (typeof query === 'string' && Buffer.byteLength(query) > limits.MAX_DOCUMENT_BYTES) {
        return reply.code(413).send(
          graphqlErrorBody(
            `The GraphQL document is ${Buffer.byteLength(query)} bytes; the limit is ${limits.MAX_DOCUMENT_BYTES}.`,
            'BAD_REQUEST',
            {
              limit: 'documentBytes',
              max: limits.MAX_DOCUMENT_BYTES,
              found: Buffer.byteLength(query),
            },
          ),
        );
      }
    }
  });
}

/**
 * Every operation limit on `/graphql` (see {@link OperationLimits}): the body's batch size and document
 * bytes before Apollo Server reads it, tokens while parsing, the shape rules in validation, the cost
 * once the variables are known. The other transports apply the same through `admission.ts`.
 */
export function useOperationLimits(limits: OperationLimits): GatewayPlugin {
  return {
    name: 'operation-limits',
    apollo: [costLimitPlugin(limits.MAX_QUERY_COST)],
    apolloOptions: {
      parseOptions: limitParseOptions(limits),
      validationRules: limitValidationRules(limits),
      allowBatchedHttpRequests: limits.MAX_BATCH_SIZE > 1,
    },
    register: (app) => registerRequestLimits(app, limits),
  };
}
