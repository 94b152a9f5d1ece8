// Worker threads start without the TypeScript loader of the process that created them (tsx, or
// vitest's transform), so the thread's entry loads its TypeScript body through tsx's API.
import { tsImport } from 'tsx/esm/api';

const body = await tsImport('./analysisThread.ts', import.meta.url);

export default body.default;
