import { readFileSync } from 'node:fs';
import { loadSubgraphTypeDefs, SUPERGRAPH_FILE } from '@iris/core';
import { buildSchema, concatAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { API_SCHEMA_FILE, composeSupergraph } from './compose.js';

describe('the supergraph', () => {
  it('is what composing the subgraphs gives now (run `pnpm compose` after changing a schema.graphql)', () => {
    const composition = composeSupergraph();
    expect(composition.ok && composition.supergraphSdl).toBe(readFileSync(SUPERGRAPH_FILE, 'utf8'));
  });

  it('has its API schema, the one clients generate from, written beside it (`pnpm compose`)', () => {
    const composition = composeSupergraph();
    expect(composition.ok && composition.apiSdl).toBe(readFileSync(API_SCHEMA_FILE, 'utf8'));
  });

  it('leaves federation machinery and @inaccessible elements out of the API schema', () => {
    const composition = composeSupergraph();
    const api = buildSchema(composition.ok ? composition.apiSdl : '');
    expect(
      api
        .getDirectives()
        .map((d) => d.name)
        .filter((name) => /^(join__|link$|inaccessible$)/.test(name)),
    ).toEqual([]);
    expect(Object.keys(api.getTypeMap()).filter((name) => /^(join|link)__/.test(name))).toEqual([]);
    expect(api.getMutationType()?.getFields().exchangeApiKey).toBeUndefined();
    expect(api.getSubscriptionType()?.getFields().deviceMarkCreated).toBeDefined();
  });

  it("fails with the composer's own messages when subgraphs disagree", () => {
    const composition = composeSupergraph((name) => {
      const own = loadSubgraphTypeDefs(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url));
      // Two subgraphs declaring the same value type differently, without @shareable.
      return name === 'profiles' || name === 'analytics'
        ? concatAST([own, parse(`type Clash { value: ${name === 'profiles' ? 'Int' : 'String'} }`)])
        : own;
    });
    expect(composition.ok).toBe(false);
    expect(!composition.ok && composition.errors.join('\n')).toMatch(/Clash\.value/);
  });
});
