import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** A deterministic pseudo-random source (mulberry32), so a failing operation is found again from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (p: number) => next() < p,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

export interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
}

/** Argument values the in-memory graph knows, by argument name, so operations reach data and misses alike. */
const argumentPool: Record<string, unknown[]> = {
  id: ['1', '2', '3', '4', '404'],
  upc: ['p1', 'p2', 'p3', 'p4', 'p5', 'nope'],
  first: [0, 1, 2, 3, 5],
  term: ['a', 'o', '', null],
};

/**
 * A random operation valid against the API schema: fields chosen at random at each level (with
 * aliases, repeated fields, __typename), inline fragments on abstract and concrete types, a named
 * fragment now and then, @skip/@include with literals and variables. Invalid candidates (conflicting
 * fields) are drawn again.
 */
export function randomOperation(schema: GraphQLSchema, seed: number, maxDepth = 4): GeneratedOperation {
  for (let attempt = 0; ; attempt++) {
    const operation = candidate(schema, seed * 31 + attempt, maxDepth);
    if (validate(schema, parse(operation.query)).length === 0) return operation;
    if (attempt > 50) throw new Error(`no valid operation from seed ${seed}: last ${operation.query}`);
  }
}

function candidate(schema: GraphQLSchema, seed: number, maxDepth: number): GeneratedOperation {
  const rnd = random(seed);
  let aliases = 0;
  const variables: Record<string, unknown> = {};
  const declared: string[] = [];
  const fragments: string[] = [];
  const variable = () => {
    const name = `v${declared.length}`;
    declared.push(`$${name}: Boolean!`);
    variables[name] = rnd.chance(0.5);
    return `$${name}`;
  };
  const directive = () => {
    if (!rnd.chance(0.12)) return '';
    const name = rnd.pick(['skip', 'include']);
    return ` @${name}(if: ${rnd.chance(0.3) ? String(rnd.chance(0.5)) : variable()})`;
  };
  const literal = (type: GraphQLInputType, name: string): string | undefined => {
    if (isNonNullType(type)) return literal(type.ofType, name);
    if (isListType(type) || isInputObjectType(type)) return undefined;
    const pool = argumentPool[name];
    if (pool) {
      const value = rnd.pick(pool);
      return value === null ? 'null' : JSON.stringify(value);
    }
    if (isEnumType(type)) return rnd.pick(type.getValues()).name;
    if (isScalarType(type)) return type.name === 'Int' ? String(rnd.int(5)) : type.name === 'Boolean' ? 'true' : '"x"';
    return undefined;
  };
  const args = (field: GraphQLField<unknown, unknown>): string | undefined => {
    const parts: string[] = [];
    for (const arg of field.args as GraphQLArgument[]) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (!required && !rnd.chance(0.5)) continue;
      const value = literal(arg.type, arg.name);
      if (value === undefined) {
        if (required) return undefined;
        continue;
      }
      if (required && value === 'null') return undefined;
      parts.push(`${arg.name}: ${value}`);
    }
    return parts.length ? `(${parts.join(', ')})` : '';
  };
  const selectionSet = (type: GraphQLCompositeType, depth: number): string => {
    const selections: string[] = [];
    if (isObjectType(type) || isInterfaceType(type)) {
      const fields = Object.values(type.getFields());
      const count = 1 + rnd.int(Math.min(4, fields.length));
      for (let i = 0; i < count; i++) {
        const field = rnd.pick(fields);
        const fieldArgs = args(field);
        if (fieldArgs === undefined) continue;
        const named = getNamedType(field.type);
        if (isCompositeType(named) && depth >= maxDepth) continue;
        const alias = fieldArgs || rnd.chance(0.15) ? `a${aliases++}: ` : '';
        const sub = isCompositeType(named) ? ` ${selectionSet(named, depth + 1)}` : '';
        selections.push(`${alias}${field.name}${fieldArgs}${directive()}${sub}`);
      }
    }
    if (isAbstractType(type) || rnd.chance(0.15)) {
      const possible = isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
      for (const member of possible) {
        if (!rnd.chance(0.6)) continue;
        selections.push(`... on ${member.name}${directive()} ${selectionSet(member, depth + 1)}`);
      }
      if (isInterfaceType(type) && rnd.chance(0.2)) selections.push(`...${directive()} { __typename }`);
    }
    if (depth > 0 && rnd.chance(0.08) && (isObjectType(type) || isInterfaceType(type))) {
      const name = `F${fragments.length}`;
      fragments.push(`fragment ${name} on ${type.name} ${selectionSet(type, maxDepth)}`);
      selections.push(`...${name}${directive()}`);
    }
    if (selections.length === 0 || rnd.chance(0.2)) selections.push(rnd.chance(0.3) ? `t${aliases++}: __typename` : '__typename');
    return `{ ${selections.join(' ')} }`;
  };
  const body = selectionSet(schema.getQueryType()!, 0);
  const header = declared.length ? `query Generated(${declared.join(', ')})` : 'query Generated';
  return { query: [`${header} ${body}`, ...fragments].join('\n'), variables };
}
