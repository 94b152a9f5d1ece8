import { operationFromDocument, type Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import {
  GraphQLError,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { SubscriptionRoute, SubscriptionRoutes } from './routes.js';

/**
 * For a supergraph, the subgraph that answers a query with one fetch and nothing else, by the same
 * query planner the gateway uses; null when the plan needs several subgraphs (or cannot be made).
 */
export function soleSubgraph(supergraph: Supergraph): (query: DocumentNode) => string | null {
  const planner = new QueryPlanner(supergraph);
  return (query) => {
    try {
      const node = planner.buildQueryPlan(operationFromDocument(supergraph.schema, query)).node;
      return node?.kind === 'Fetch' ? node.serviceName : null;
    } catch {
      return null;
    }
  };
}

/** The document without its @defer directives. */
function withoutDefer(document: DocumentNode): DocumentNode {
  return visit(document, { Directive: (node) => (node.name.value === 'defer' ? null : undefined) });
}

/** The variables a piece of a document uses. */
function usedVariables(node: FieldNode | FragmentDefinitionNode | readonly FragmentDefinitionNode[]): Set<string> {
  const names = new Set<string>();
  const nodes = Array.isArray(node) ? node : [node];
  for (const n of nodes) visit(n, { Variable: (v) => void names.add(v.name.value) });
  return names;
}

const keep = (definitions: readonly VariableDefinitionNode[], names: Set<string>) =>
  definitions.filter((d) => names.has(d.variable.name.value));

export interface Plan {
  route: SubscriptionRoute;
  /**
   * Sent to the owning subgraph: the root field with the client's arguments, asking only for `id`;
   * or, when that subgraph answers the whole selection alone (`perEvent` null), the client's operation.
   */
  upstream: string;
  /** Run through the gateway's query planner for each event: the client's selection on the entity. */
  perEvent: string | null;
  responseKey: string;
  /** The client's root field, arguments included. */
  root: FieldNode;
}

/**
 * Splits a client's subscription in two: the root field, opened on the owning subgraph for keys only,
 * and the client's whole selection, resolved for each event by the gateway's normal federated query
 * planning (the owning subgraph's own fields and `_entities` calls to the others).
 */
export function planSubscription(
  document: DocumentNode,
  operationName: string | null | undefined,
  routes: SubscriptionRoutes,
  soleSubgraphOf: (query: DocumentNode) => string | null = () => null,
): Plan | GraphQLError {
  // @defer in a subscription's selection is ignored (the GraphQL spec allows it): graphql-ws, SSE and
  // multipart subscriptions carry one result per event, so each event's result is delivered complete.
  document = withoutDefer(document);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return new GraphQLError('No such operation in the document.');
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const roots = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
  if (roots.length !== 1 || operation.selectionSet.selections.length !== 1) {
    return new GraphQLError('A subscription selects exactly one root field.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const root = roots[0]!;
  const route = routes.get(root.name.value);
  if (!route) return new GraphQLError(`Unknown subscription field ${root.name.value}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  const variables = operation.variableDefinitions ?? [];
  const argumentsOnly: FieldNode = {
    ...root,
    alias: undefined,
    selectionSet: { kind: Kind.SELECTION_SET, selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'id' } }] },
  };
  const upstream: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        ...operation,
        name: undefined,
        directives: [],
        variableDefinitions: keep(variables, usedVariables(argumentsOnly)),
        selectionSet: { kind: Kind.SELECTION_SET, selections: [argumentsOnly] },
      },
    ],
  };
  const selectionOnly: FieldNode = { ...root, arguments: [], directives: [] };
  const selectionVariables = usedVariables(selectionOnly);
  for (const name of usedVariables(fragments)) selectionVariables.add(name);
  const idVariable: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'irisEventId' } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const lookup: FieldNode = {
    ...selectionOnly,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: route.lookupField },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'irisEventId' } },
      },
    ],
  };
  const perEvent: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as never,
        variableDefinitions: [idVariable, ...keep(variables, selectionVariables)],
        selectionSet: { kind: Kind.SELECTION_SET, selections: [lookup] },
      },
      ...fragments,
    ],
  };
  const responseKey = root.alias?.value ?? root.name.value;
  // A selection the owning subgraph answers alone goes to it whole: its events need no query of their own.
  if (soleSubgraphOf(perEvent) === route.subgraph) {
    const whole: DocumentNode = { kind: Kind.DOCUMENT, definitions: [{ ...operation, name: undefined }, ...fragments] };
    return { route, upstream: print(whole), perEvent: null, responseKey, root };
  }
  return { route, upstream: print(upstream), perEvent: print(perEvent), responseKey, root };
}
