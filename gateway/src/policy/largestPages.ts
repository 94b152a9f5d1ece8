import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { getComplexity } from 'graphql-query-complexity/cjs';
import { fieldCostEstimator } from './limits.js';

/** One connection of the schema asked for at its largest documented page, with every field it documents. */
export interface LargestPage {
  /** `Type.field`, e.g. `Account.deviceMarks`. */
  connection: string;
  /** The page size its `first` argument documents as the most ("0 to 100"). */
  pageSize: number;
  query: string;
  cost: number;
}

/** How deep a node's object fields are followed (a mark's device, its analysis, each face's eyes…). */
const NODE_DEPTH = 3;

/**
 * Every connection field of the schema, each asked for once at the largest page its `first` argument
 * documents, selecting every field its node type documents (scalars, to-one objects and plain lists,
 * {@link NODE_DEPTH} deep; not the connections inside, which are pages of their own), reached from the
 * root by the shortest path. This is what the default MAX_QUERY_COST must admit.
 */
export function largestPages(schema: GraphQLSchema): LargestPage[] {
  const pages: LargestPage[] = [];
  const paths = pathsFromRoot(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || !paths.has(type.name)) continue;
    for (const field of Object.values(type.getFields())) {
      const connection = getNamedType(field.type);
      if (!isConnection(connection)) continue;
      const pageSize = documentedPageSize(field);
      const nodes = (connection as GraphQLObjectType).getFields().nodes;
      if (pageSize === null || !nodes) continue;
      const args = [`first: ${pageSize}`, ...requiredArguments(field, ['first'])].join(', ');
      const totalCount = (connection as GraphQLObjectType).getFields().totalCount ? 'totalCount ' : '';
      const inner = `${field.name}(${args}) { ${totalCount}pageInfo { hasNextPage endCursor } nodes ${selectionOf(getNamedType(nodes.type) as GraphQLObjectType, NODE_DEPTH, new Set())} }`;
      const query = `{ ${paths.get(type.name)!.reduceRight((selection, step) => `${step} { ${selection} }`, inner)} }`;
      pages.push({
        connection: `${type.name}.${field.name}`,
        pageSize,
        query,
        cost: getComplexity({ schema, query: parse(query), variables: {}, estimators: [fieldCostEstimator] }),
      });
    }
  }
  return pages.sort((a, b) => b.cost - a.cost);
}

const isConnection = (type: unknown): boolean => isObjectType(type) && type.name.endsWith('Connection');

/** The largest page a connection's `first` documents ("Page size …: 0 to 100"), or null. */
function documentedPageSize(field: GraphQLField<unknown, unknown>): number | null {
  const first = field.args.find((arg) => arg.name === 'first');
  const match = first?.description?.match(/0 to (\d[\d,]*)/);
  return match ? Number(match[1]!.replace(/,/g, '')) : null;
}

/** The shortest selection path from the query root to each object type, through fields with no required argument beyond ids. */
function pathsFromRoot(schema: GraphQLSchema): Map<string, string[]> {
  const root = schema.getQueryType()!;
  const paths = new Map<string, string[]>([[root.name, []]]);
  const queue: GraphQLObjectType[] = [root];
  while (queue.length > 0) {
    const type = queue.shift()!;
    for (const field of Object.values(type.getFields())) {
      const target = getNamedType(field.type);
      if (!isObjectType(target) || paths.has(target.name) || isConnection(target) || isListType(getNullableType(field.type))) continue;
      const args = requiredArguments(field, []);
      if (args.includes('?')) continue;
      paths.set(target.name, [...paths.get(type.name)!, args.length > 0 ? `${field.name}(${args.join(', ')})` : field.name]);
      queue.push(target);
    }
  }
  return paths;
}

/** Placeholder values for a field's required arguments (their values do not change a cost); `?` for one it cannot make up. */
function requiredArguments(field: GraphQLField<unknown, unknown>, skip: string[]): string[] {
  return field.args
    .filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined && !skip.includes(arg.name))
    .map((arg) => `${arg.name}: ${placeholder(arg)}`);
}

function placeholder(arg: GraphQLArgument): string {
  const type = getNullableType(arg.type) as GraphQLInputType;
  if (isListType(type)) return '[]';
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) return '?';
  switch (type.name) {
    case 'Int':
    case 'Float':
      return '1';
    case 'Boolean':
      return 'true';
    default:
      return '"00000000-0000-4000-8000-000000000000"';
  }
}

/** Every field of `type` with no required argument: leaves, and objects and plain lists followed `depth` deep. */
function selectionOf(type: GraphQLObjectType, depth: number, onPath: Set<string>): string {
  const fields: string[] = [];
  const path = new Set(onPath).add(type.name);
  for (const field of Object.values(type.getFields())) {
    if (requiredArguments(field, []).length > 0) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) fields.push(field.name);
    else if (isObjectType(named) && !isConnection(named) && depth > 1 && !path.has(named.name)) {
      fields.push(`${field.name} ${selectionOf(named, depth - 1, path)}`);
    } else if (isInterfaceType(named)) fields.push(`${field.name} { __typename }`);
  }
  return `{ ${fields.length > 0 ? fields.join(' ') : '__typename'} }`;
}
