import { defineConfig } from 'vitest/config';

// Two projects chosen by file suffix: unit tests beside the code (`*.test.ts` under a package's
// `src/`), and end-to-end tests in `test/` (`*.e2e.test.ts`) that boot the whole graph.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'subgraphs/*/src/**/*.test.ts', 'gateway/src/**/*.test.ts', 'schema/**/*.test.ts', 'prisma/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
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
