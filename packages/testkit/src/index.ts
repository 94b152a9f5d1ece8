export { startIrisProcess, type IrisProcess } from './irisProcess.js';
export { createScratchDatabase, testEnvironment, type ScratchDatabase } from './scratchDatabase.js';
