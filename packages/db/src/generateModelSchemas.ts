/**
 * Writes `generated/modelSchemas.ts`: each Prisma model and its PostgreSQL schema (`@@schema`), read
 * from the generated client's runtime data model, so that the scoped clients' types
 * (`ScopedClient` in scopedClient.ts) follow `prisma/schema/*.prisma` with no list kept by hand. `pnpm generate`
 * runs it right after `prisma generate`:
 *
 *   pnpm exec tsx packages/db/src/generateModelSchemas.ts
 */
import { writeFileSync } from 'node:fs';
import { PrismaClient } from './generated/prisma/client.js';
import { modelSchemas } from './scopedClient.js';

// The data model is part of the generated client; reading it opens no connection, so any adapter does.
const unusedAdapter = {
  provider: 'postgres',
  adapterName: 'none',
  connect: () => Promise.reject(new Error('generateModelSchemas opens no connection')),
} as unknown as NonNullable<ConstructorParameters<typeof PrismaClient>[0]['adapter']>;
const schemas = modelSchemas(new PrismaClient({ adapter: unusedAdapter }));

const lines = Object.entries(schemas)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([model, schema]) => `  ${model}: ${JSON.stringify(schema)},`);
const source = `/* Generated from the Prisma client's runtime data model by packages/db/src/generateModelSchemas.ts (\`pnpm generate\`). Do not edit. */
/** Each model's PostgreSQL schema (its \`@@schema\`): which subgraph owns it, or none (shared infrastructure). */
export const MODEL_SCHEMAS = {
${lines.join('\n')}
} as const;
`;
writeFileSync(new URL('./generated/modelSchemas.ts', import.meta.url), source);
