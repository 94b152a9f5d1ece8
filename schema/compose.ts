/**
 * Composes the four subgraphs' SDL into `schema/supergraph.graphql` with Apollo's composer; the
 * gateway loads that file and never introspects subgraphs at run time. Beside it goes
 * `schema/api.graphql`, the API schema the gateway serves (no join/link machinery, no
 * `@inaccessible` elements): what clients generate their types from (`examples/client`).
 *
 *   pnpm compose           # writes schema/supergraph.graphql and schema/api.graphql
 *   pnpm compose --check   # exits 1 when a checked-in file is not what composition gives now
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { loadSubgraphTypeDefs, SUBGRAPH_NAMES, SUPERGRAPH_FILE, type SubgraphName } from '@iris/core';
import { buildASTSchema, printSchema, type DocumentNode } from 'graphql';

export const API_SCHEMA_FILE = new URL('./api.graphql', import.meta.url);

/** The URL baked into the supergraph for each subgraph; the gateway overrides it from its config. */
export const defaultSubgraphUrl = (name: SubgraphName) => `http://127.0.0.1:${4001 + SUBGRAPH_NAMES.indexOf(name)}/graphql`;

export type Composition = { ok: true; supergraphSdl: string; apiSdl: string } | { ok: false; errors: string[] };

const API_SCHEMA_HEADER = '# The API schema the gateway serves, written by `pnpm compose` from the subgraphs. Do not edit.\n\n';

const readSubgraphTypeDefs = (name: SubgraphName) => loadSubgraphTypeDefs(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url));

export function composeSupergraph(typeDefsOf: (name: SubgraphName) => DocumentNode = readSubgraphTypeDefs): Composition {
  const result = composeServices(SUBGRAPH_NAMES.map((name) => ({ name, url: defaultSubgraphUrl(name), typeDefs: typeDefsOf(name) })));
  if (result.errors) return { ok: false, errors: result.errors.map((e) => e.toString()) };
  // The API schema as @apollo/gateway derives it (`Supergraph.apiSchema()`), printed by graphql-js from
  // its AST: the composer's schema objects may come from the other (CommonJS) copy of graphql.
  const apiSdl = printSchema(buildASTSchema(result.schema.toAPISchema().toAST()));
  return { ok: true, supergraphSdl: `${result.supergraphSdl.trim()}\n`, apiSdl: `${API_SCHEMA_HEADER}${apiSdl.trim()}\n` };
}

const OUTPUTS = [
  { file: SUPERGRAPH_FILE, name: 'schema/supergraph.graphql', sdl: (c: Extract<Composition, { ok: true }>) => c.supergraphSdl },
  { file: API_SCHEMA_FILE, name: 'schema/api.graphql', sdl: (c: Extract<Composition, { ok: true }>) => c.apiSdl },
] as const;

function main(args: string[]) {
  const composition = composeSupergraph();
  if (!composition.ok) {
    console.error(`Composition failed:\n\n${composition.errors.join('\n\n')}`);
    process.exit(1);
  }
  if (args.includes('--check')) {
    const read = (file: URL) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    };
    const stale = OUTPUTS.filter((o) => read(o.file) !== o.sdl(composition)).map((o) => o.name);
    if (stale.length) {
      console.error(`${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale: run \`pnpm compose\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${OUTPUTS.map((o) => o.name).join(' and ')} are up to date.`);
    return;
  }
  for (const output of OUTPUTS) {
    writeFileSync(output.file, output.sdl(composition));
    console.log(`Wrote ${output.file.pathname}`);
  }
}

if (process.argv[1]?.endsWith('compose.ts')) main(process.argv.slice(2));
