import type { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';

/** A subscription root field: the subgraph that owns it and the Query field that looks up its entity by id. */
export interface SubscriptionRoute {
  subgraph: string;
  lookupField: string;
}

export type SubscriptionRoutes = ReadonlyMap<string, SubscriptionRoute>;

/**
 * Which subgraph serves each Subscription field, read from the composed supergraph (the subgraph whose
 * own schema defines the field), paired with the Query field that fetches its (entity) type by id:
 * `deviceMarkCreated: DeviceMark!` with `deviceMark(id: ID!)`. A subscription field without such a
 * lookup, or that no subgraph defines, is an error at start (or at the reload that brings it).
 */
export function subscriptionRoutes(supergraph: Supergraph, apiSchema: GraphQLSchema): Map<string, SubscriptionRoute> {
  const routes = new Map<string, SubscriptionRoute>();
  const subscription = apiSchema.getSubscriptionType();
  if (!subscription) return routes;
  const owners = new Map<string, string>();
  for (const subgraph of supergraph.subgraphs()) {
    for (const field of subgraph.schema.schemaDefinition.rootType('subscription')?.fields() ?? []) owners.set(field.name, subgraph.name);
  }
  const query = apiSchema.getQueryType()!.getFields();
  for (const field of Object.values(subscription.getFields())) {
    const typeName = field.type.toString().replace(/[[\]!]/g, '');
    const lookupField = typeName.charAt(0).toLowerCase() + typeName.slice(1);
    if (!query[lookupField] || !query[lookupField].args.some((a) => a.name === 'id')) {
      throw new Error(
        `Subscription.${field.name} returns ${typeName}, but there is no Query.${lookupField}(id: ID!) to resolve its events`,
      );
    }
    const subgraph = owners.get(field.name);
    if (!subgraph) throw new Error(`Subscription.${field.name}: no subgraph of the supergraph defines it`);
    routes.set(field.name, { subgraph, lookupField });
  }
  return routes;
}
