// Moved to @iris/testkit (packages/testkit), which the benchmarks share; kept here for the tests' imports.
export { createScratchDatabase, testEnvironment, type ScratchDatabase } from '@iris/testkit';
