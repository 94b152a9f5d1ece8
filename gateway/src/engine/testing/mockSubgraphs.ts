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
  type GraphQLFieldResolver,
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
        fieldResolver: mockResolver,
        typeResolver: mockTypeResolver,
      });
      await new Promise((resolve) => setImmediate(resolve));
      return JSON.parse(JSON.stringify(result));
    },
  };
}

const hash = (text: string) => createHash('sha1').update(text).digest().readUInt32BE(0);

const mockResolver: GraphQLFieldResolver<any, unknown> = (source, args, _context, info) => {
  if (info.fieldName === '_entities')
    return (args.representations as Record<string, unknown>[]).map((r) => ({ ...r, __seed: JSON.stringify(r) }));
  if (info.fieldName === '_service') return { sdl: '' };
  if (source && Object.prototype.hasOwnProperty.call(source, info.fieldName) && info.fieldName !== '__seed') return source[info.fieldName];
  const seed = `${source?.__seed ?? ''}/${info.parentType.name}.${info.fieldName}(${JSON.stringify(args)})`;
  const h = hash(seed);
  if (h % 97 === 0)
    throw new GraphQLError(`Mock failure at ${info.parentType.name}.${info.fieldName}`, {
      extensions: { code: h % 2 ? 'FORBIDDEN' : 'INTERNAL_SERVER_ERROR' },
    });
  return mockValue(info.returnType, seed, h);
};

function mockValue(type: GraphQLOutputType, seed: string, h: number): unknown {
  // A null where the schema allows one (one in eight), and a broken subgraph's null for a non-null field (one in 151).
  if (!isNonNullType(type) && h % 8 === 1) return null;
  if (isNonNullType(type) && h % 151 === 3) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [0, 1].map((i) => mockValue(nullable.ofType, `${seed}[${i}]`, hash(`${seed}[${i}]`)));
  const named = getNamedType(nullable);
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
