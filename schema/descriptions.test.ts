import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { loadSubgraphTypeDefs, SUBGRAPH_NAMES, SUPERGRAPH_FILE } from '@iris/core';
import {
  buildASTSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { defaultSubgraphUrl } from './compose.js';

/**
 * The public API schema: the composed supergraph without federation's own types and directives and
 * without what `@inaccessible` hides (what clients see in the playground's docs).
 */
function apiSchema(): { schema: GraphQLSchema; supergraphSdl: string } {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: defaultSubgraphUrl(name),
      typeDefs: loadSubgraphTypeDefs(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url)),
    })),
  );
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  // Rebuilt from its AST: federation's own graphql-js instance is not the one this file imports.
  return { schema: buildASTSchema(result.schema.toAPISchema().toAST()), supergraphSdl: `${result.supergraphSdl.trim()}\n` };
}

const described = (description: string | null | undefined) => typeof description === 'string' && description.trim() !== '';

/** Every schema coordinate (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) with no description. */
function missingDescriptions(schema: GraphQLSchema): { missing: string[]; counted: Record<string, number> } {
  const missing: string[] = [];
  const counted = { types: 0, fields: 0, arguments: 0, inputFields: 0, enumValues: 0 };
  const check = (kind: keyof typeof counted, coordinate: string, description: string | null | undefined) => {
    counted[kind] += 1;
    if (!described(description)) missing.push(coordinate);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    check('types', type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check('fields', `${type.name}.${field.name}`, field.description);
        for (const arg of field.args) check('arguments', `${type.name}.${field.name}(${arg.name}:)`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) check('inputFields', `${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) check('enumValues', `${type.name}.${value.name}`, value.description);
    }
  }
  for (const directive of schema.getDirectives()) {
    for (const arg of directive.args) check('arguments', `@${directive.name}(${arg.name}:)`, arg.description);
  }
  return { missing: missing.sort(), counted };
}

describe('descriptions of the public graph', () => {
  const { schema, supergraphSdl } = apiSchema();

  it('are checked on the checked-in supergraph (run `pnpm compose` after changing a schema.graphql)', () => {
    expect(supergraphSdl).toBe(readFileSync(SUPERGRAPH_FILE, 'utf8'));
  });

  it('cover every type, field, argument, input field and enum value', () => {
    const { missing, counted } = missingDescriptions(schema);
    expect(counted.types).toBeGreaterThan(0);
    expect(
      missing,
      `${missing.length} schema coordinate(s) without a description; add one in the subgraph's schema.graphql (or packages/core/src/subgraph/shared.graphql) and run \`pnpm compose\`:\n  ${missing.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('notices a single missing description', () => {
    const type = schema.getType('PageInfo');
    if (!isObjectType(type)) throw new Error('PageInfo is not in the API schema');
    const field = type.getFields()['hasNextPage']!;
    const original = field.description;
    field.description = undefined;
    try {
      expect(missingDescriptions(schema).missing).toContain('PageInfo.hasNextPage');
    } finally {
      field.description = original;
    }
  });
});
