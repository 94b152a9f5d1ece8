// Generates what the TypeScript build needs and git does not keep: the Prisma client, the
// resolver types of every subgraph and the typed documents of the client example. Runs after
// `pnpm install`; run it again after changing a `.prisma` or `schema.graphql` file (`pnpm generate`).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const run = (cmd, args, env = {}, cwd = undefined) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env }, cwd });

// `prisma generate` needs no schema engine, but the CLI insists on resolving one at start and would
// download it from outside the npm registry; pointing it at a no-op binary skips that.
run('pnpm', ['exec', 'prisma', 'generate'], {
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
});
// Which subgraph owns each model, from the client just generated: the types of packages/db's scopedClient.
run('pnpm', ['exec', 'tsx', 'packages/db/src/generateModelSchemas.ts']);
run('pnpm', ['exec', 'graphql-codegen', '--config', 'codegen.ts', '--silent']);
// The examples' typed documents, from their operations and schema/api.graphql (`pnpm compose`).
for (const example of ['client', 'web']) {
  run(
    'pnpm',
    ['exec', 'graphql-codegen', '--config', 'codegen.ts', '--silent'],
    {},
    fileURLToPath(new URL(`../examples/${example}/`, import.meta.url)),
  );
}
