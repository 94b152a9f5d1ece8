// Moved to @iris/testkit (packages/testkit), which the benchmarks share; kept here for the tests' imports.
export { startIrisProcess, type IrisProcess } from '@iris/testkit';
