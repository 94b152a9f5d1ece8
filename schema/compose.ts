/**
 * Composes the four subgraphs' SDL into `schema/supergraph.graphql` with Apollo's composer; the
 * gateway loads that file and never introspects subgraphs at run time.
 *
 *   pnpm compose           # writes schema/supergraph.graphql
 *   pnpm compose --check   # exits 1 when the checked-in file is not what composition gives now
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { loadSubgraphTypeDefs } from '@iris/core';
import type { DocumentNode } from 'graphql';

export const SUBGRAPHS = ['identity', 'profiles', 'devices', 'analytics'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];
export const SUPERGRAPH_FILE = new URL('./supergraph.graphql', import.meta.url);

/** The URL baked into the supergraph for each subgraph; the gateway overrides it from its config. */
export const defaultSubgraphUrl = (name: SubgraphName) => `http://127.0.0.1:${4001 + SUBGRAPHS.indexOf(name)}/graphql`;

export type Composition = { ok: true; supergraphSdl: string } | { ok: false; errors: string[] };

const readSubgraphTypeDefs = (name: SubgraphName) =>
  loadSubgraphTypeDefs(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url));

export function composeSupergraph(typeDefsOf: (name: SubgraphName) => DocumentNode = readSubgraphTypeDefs): Composition {
  const result = composeServices(
    SUBGRAPHS.map((name) => ({ name, url: defaultSubgraphUrl(name), typeDefs: typeDefsOf(name) })),
  );
  if (result.errors) return { ok: false, errors: result.errors.map((e) => e.toString()) };
  return { ok: true, supergraphSdl: `${result.supergraphSdl.trim()}\n` };
}

function main(args: string[]) {
  const composition = composeSupergraph();
  if (!composition.ok) {
    console.error(`Composition failed:\n\n${composition.errors.join('\n\n')}`);
    process.exit(1);
  }
  if (args.includes('--check')) {
    const current = readFileSync(SUPERGRAPH_FILE, 'utf8');
    if (current !== composition.supergraphSdl) {
      console.error('schema/supergraph.graphql is stale: run `pnpm compose` and commit the result.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date.');
    return;
  }
  writeFileSync(SUPERGRAPH_FILE, composition.supergraphSdl);
  console.log(`Wrote ${SUPERGRAPH_FILE.pathname}`);
}

if (process.argv[1]?.endsWith('compose.ts')) main(process.argv.slice(2));
