// Generates what the TypeScript build needs and git does not keep: the Prisma client and the
// resolver types of every subgraph. Runs after `pnpm install`; run it again after changing a
// `.prisma` or `schema.graphql` file (`pnpm generate`).
import { execFileSync } from 'node:child_process';

const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });

// `prisma generate` needs no schema engine, but the CLI insists on resolving one at start and would
// download it from outside the npm registry; pointing it at a no-op binary skips that.
run('pnpm', ['exec', 'prisma', 'generate'], {
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
});
run('pnpm', ['exec', 'graphql-codegen', '--config', 'codegen.ts', '--silent']);
