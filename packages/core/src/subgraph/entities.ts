import { Kind, type DocumentNode, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { badUserInput } from '../errors.js';

/**
 * Checks `_entities(representations:)` before @apollo/subgraph resolves it. The gateway only sends
 * well-formed representations, but a subgraph's `/graphql` can be called directly: a representation
 * that is not an object, names no entity type of this subgraph, or lacks a key field is a
 * `BAD_USER_INPUT` naming it, instead of an error thrown inside the federation library or a loader.
 */
export function guardEntityRepresentations(schema: GraphQLSchema, typeDefs: DocumentNode): void {
  const field = schema.getQueryType()?.getFields()['_entities'];
  if (!field) return;
  const keys = entityKeys(typeDefs);
  const resolve = field.resolve as GraphQLFieldResolver<unknown, unknown, { representations: unknown[] }>;
  field.resolve = (source, args, context, info) => {
    (args.representations as unknown[]).forEach((representation: unknown, i: number) => {
      const at = `representations[${i}]`;
      if (!representation || typeof representation !== 'object' || Array.isArray(representation)) {
        throw badUserInput(`${at}: must be an object with a \`__typename\` and the entity's key fields.`, at);
      }
      const { __typename: typename, ...fields } = representation as Record<string, unknown>;
      const type = typeof typename === 'string' ? schema.getType(typename) : undefined;
      const keyFields = typeof typename === 'string' ? keys.get(typename) : undefined;
      if (!type || !keyFields) {
        throw badUserInput(
          `${at}: \`__typename\` ${JSON.stringify(typename ?? null)} is not an entity of this subgraph.`,
          `${at}.__typename`,
        );
      }
      const complete = keyFields.some((key) => key.every((name) => fields[name] !== undefined && fields[name] !== null));
      if (!complete) {
        throw badUserInput(`${at}: a ${typename} is identified by ${keyFields.map((k) => k.join(' ')).join(' or ')}.`, at);
      }
    });
    return resolve(source, args, context, info);
  };
}

/** Each entity type's keys (`@key(fields: "id")`), as the top-level field names of each key. */
function entityKeys(typeDefs: DocumentNode): Map<string, string[][]> {
  const keys = new Map<string, string[][]>();
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'key') continue;
      const fields = directive.arguments?.find((a) => a.name.value === 'fields')?.value;
      if (fields?.kind !== Kind.STRING) continue;
      keys.set(definition.name.value, [...(keys.get(definition.name.value) ?? []), topLevelFields(fields.value)]);
    }
  }
  return keys;
}

/** `id owner { id }` → `["id", "owner"]`. */
function topLevelFields(selection: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const token of selection.match(/[_A-Za-z][_0-9A-Za-z]*|[{}]/g) ?? []) {
    if (token === '{') depth++;
    else if (token === '}') depth--;
    else if (depth === 0) names.push(token);
  }
  return names;
}
