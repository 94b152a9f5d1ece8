import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Node loads `graphql` as CommonJS (its package.json has no `exports`), and so do @apollo/gateway and
// every other dependency; Vite's resolver would pick its ES module build for our sources instead.
// Two copies of graphql-js in one process refuse each other's schemas, so tests use the one Node uses.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// Two projects chosen by file suffix: unit tests beside the code (`*.test.ts` under a package's
// `src/`), and end-to-end tests in `test/` (`*.e2e.test.ts`) that boot the whole graph.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'server/src/**/*.test.ts',
            'subgraphs/*/src/**/*.test.ts',
            'gateway/src/**/*.test.ts',
            'schema/**/*.test.ts',
            'prisma/**/*.test.ts',
            'deploy/**/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts', 'examples/*/src/**/*.e2e.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
