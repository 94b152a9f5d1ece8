import { defineConfig } from 'prisma/config';

// The Prisma CLI reads this file. At run time Iris applies `prisma/migrations` itself
// (packages/db/src/migrate.ts), so the CLI is only needed to generate the client.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iris' },
});
