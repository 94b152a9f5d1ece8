import { readFileSync } from 'node:fs';
import { loadSubgraphTypeDefs } from '@iris/core';
import { concatAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, SUPERGRAPH_FILE } from './compose.js';

describe('the supergraph', () => {
  it('is what composing the subgraphs gives now (run `pnpm compose` after changing a schema.graphql)', () => {
    const composition = composeSupergraph();
    expect(composition.ok && composition.supergraphSdl).toBe(readFileSync(SUPERGRAPH_FILE, 'utf8'));
  });

  it("fails with the composer's own messages when subgraphs disagree", () => {
    const composition = composeSupergraph((name) => {
      const own = loadSubgraphTypeDefs(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url));
      // Two subgraphs declaring the same value type differently, without @shareable.
      return name === 'profiles' || name === 'analytics' ? concatAST([own, parse(`type Clash { value: ${name === 'profiles' ? 'Int' : 'String'} }`)]) : own;
    });
    expect(composition.ok).toBe(false);
    expect(!composition.ok && composition.errors.join('\n')).toMatch(/Clash\.value/);
  });
});
