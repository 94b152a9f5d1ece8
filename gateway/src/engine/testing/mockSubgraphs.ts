import { createHash } from 'node:crypto';
import { Supergraph } from '@apollo/federation-internals';
import {
  execute,
  getNamedType,
  getNullableType,
  GraphQLError,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type DocumentNode,
  type GraphQLResolveInfo,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql';
import type { InMemoryGraph } from './subgraphs.js';

/**
 * Any supergraph's subgraphs, answered by mocks: each subgraph's schema (extracted from the
 * supergraph) executes the gateway's requests with values derived from a hash of the field, its
 * arguments and its parent, so the same request always gets the same answer: two-element lists,
 * enum values, some nulls (nullable fields and, now and then, non-null ones, as a broken subgraph
 * would send), some field errors with codes, entities echoing their representations.
 */
export function mockGraph(supergraphSdl: string): InMemoryGraph {
  const supergraph = Supergraph.build(supergraphSdl);
  const schemas = new Map<string, GraphQLSchema>();
  for (const subgraph of supergraph.subgraphs().values()) schemas.set(subgraph.name, subgraph.schema.toGraphQLJSSchema());
  const keys = entityKeys(supergraph);
  const documents = new Map<string, DocumentNode>();
  return {
    supergraphSdl,
    schemas,
    fetch: async (serviceName, request) => {
      let document = documents.get(request.query);
      if (!document) documents.set(request.query, (document = parse(request.query)));
      const result = await execute({
        schema: schemas.get(serviceName)!,
        document,
        variableValues: request.variables ?? {},
        operationName: request.operationName,
        fieldResolver: (source, args, _context, info) => mockResolver(keys, source, args, info),
        typeResolver: mockTypeResolver,
      });
      await new Promise((resolve) => setImmediate(resolve));
      return JSON.parse(JSON.stringify(result));
    },
  };
}

const hash = (text: string) => createHash('sha1').update(text).digest().readUInt32BE(0);

/**
 * Each entity type's key fields (its first `@key` of plain fields). An entity's values derive from its
 * key, not from the route that reached it, so a field reads the same whether the gateway fetched it under
 * a root field or through `_entities` (as two plans for one operation may).
 */
type EntityKeys = Map<string, string[]>;

function entityKeys(supergraph: Supergraph): EntityKeys {
  const found = new Map<string, string[]>();
  for (const subgraph of supergraph.subgraphs().values()) {
    const keyDirective = subgraph.metadata().keyDirective();
    for (const type of subgraph.schema.objectTypes()) {
      if (found.has(type.name)) continue;
      const fields = type.appliedDirectivesOf(keyDirective)[0]?.arguments().fields;
      if (typeof fields === 'string' && /^[\w\s]+$/.test(fields)) found.set(type.name, fields.trim().split(/\s+/));
    }
  }
  return found;
}

/** The seed of an entity: its type and key values, in the key's order. */
function entitySeed(keys: EntityKeys, object: Record<string, unknown>, typename: string): string | undefined {
  const fields = keys.get(typename);
  if (!fields || fields.some((field) => object[field] === undefined)) return undefined;
  return JSON.stringify([typename, ...fields.map((field) => object[field])]);
}

function mockResolver(keys: EntityKeys, source: any, args: Record<string, unknown>, info: GraphQLResolveInfo): unknown {
  if (info.fieldName === '_entities')
    return (args.representations as Record<string, unknown>[]).map((r) => ({
      ...r,
      __seed: entitySeed(keys, r, String(r.__typename)) ?? JSON.stringify(r),
    }));
  if (info.fieldName === '_service') return { sdl: '' };
  if (source && Object.prototype.hasOwnProperty.call(source, info.fieldName) && info.fieldName !== '__seed') return source[info.fieldName];
  const seed = `${source?.__seed ?? ''}/${info.parentType.name}.${info.fieldName}(${JSON.stringify(args)})`;
  const h = hash(seed);
  if (h % 97 === 0)
    throw new GraphQLError(`Mock failure at ${info.parentType.name}.${info.fieldName}`, {
      extensions: { code: h % 2 ? 'FORBIDDEN' : 'INTERNAL_SERVER_ERROR' },
    });
  return mockValue(keys, info.returnType, seed, h);
}

function mockValue(keys: EntityKeys, type: GraphQLOutputType, seed: string, h: number): unknown {
  // A null where the schema allows one (one in eight), and a broken subgraph's null for a non-null field (one in 151).
  if (!isNonNullType(type) && h % 8 === 1) return null;
  if (isNonNullType(type) && h % 151 === 3) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [0, 1].map((i) => mockValue(keys, nullable.ofType, `${seed}[${i}]`, hash(`${seed}[${i}]`)));
  const named = getNamedType(nullable);
  if (isObjectType(named) && keys.has(named.name)) {
    // An entity: its key first (from the route), then everything else from the key.
    const object: Record<string, unknown> = {};
    for (const field of keys.get(named.name)!) {
      const keyType = named.getFields()[field]?.type;
      if (!keyType) return { __seed: seed };
      // Never the one-in-eight null of a nullable value: a key has a value.
      const keySeed = `${seed}/${named.name}.${field}`;
      const h = hash(keySeed);
      object[field] = mockValue(keys, getNamedType(keyType), keySeed, h % 8 === 1 ? h + 1 : h);
    }
    return { ...object, __seed: entitySeed(keys, object, named.name) };
  }
  if (isObjectType(named) || isAbstractType(named)) return { __seed: seed };
  if (isEnumType(named)) {
    const values = named.getValues();
    return values[h % values.length]!.value;
  }
  switch (named.name) {
    case 'Int':
      return h % 1000;
    case 'Float':
      return (h % 1000) / 8;
    case 'Boolean':
      return h % 2 === 0;
    case 'ID':
    case 'String':
      return `${named.name === 'ID' ? 'id' : 's'}-${h.toString(36)}`;
    default:
      // Custom scalars: an ISO date-time reads as most of them would.
      return new Date(1_700_000_000_000 + (h % 1_000_000) * 1000).toISOString();
  }
}

const mockTypeResolver: GraphQLTypeResolver<any, unknown> = (value, _context, info, abstractType) => {
  const possible = info.schema.getPossibleTypes(abstractType);
  if (typeof value?.__typename === 'string' && possible.some((t) => t.name === value.__typename)) return value.__typename;
  return possible[hash(String(value?.__seed ?? '')) % possible.length]?.name;
};
