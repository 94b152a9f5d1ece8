import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * Face analysis runs on worker threads (ANALYSIS_THREADS), never on the event loop that serves the
 * graph: while twelve analyses run, cheap queries keep being answered, and the analyses come out as
 * they do on the event loop.
 */
const portrait = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const ANALYSES = 12;

let graph: TestGraph;
let token: string;
// Sessions opened on this thread, where the graph's servers run (the worker threads load their own copy
// of the module). ONNX Runtime is the analytics package's dependency, so it is found from there.
const onnxRuntime = createRequire(new URL('../subgraphs/analytics/package.json', import.meta.url)).resolve('onnxruntime-node');
const { InferenceSession } = (await import(onnxRuntime)) as { InferenceSession: { create: (...args: unknown[]) => Promise<unknown> } };
const sessionsOpenedHere = vi.spyOn(InferenceSession, 'create');

beforeAll(async () => {
  graph = await startTestGraph({ ANALYSIS_THREADS: '2' });
  token = await graph.login();
});
afterAll(() => graph?.stop());

it('answers a cheap query while twelve analyses run on the analysis threads, and each analysis is right', async () => {
  let pending = ANALYSES;
  const analyses = Array.from({ length: ANALYSES }, () =>
    graph
      .request<{ analyzeImage: { faces: { score: number; expression: { label: string }; eyes: { left: { open: boolean } } }[] } }>(
        'mutation($input: AnalyzeImageInput!) { analyzeImage(input: $input) { faces { score expression { label } eyes { left { open } } } } }',
        { input: { imageBase64: portrait } },
        { token },
      )
      .finally(() => (pending -= 1)),
  );

  // Cheap queries one after another until the analyses are done: each must answer, and some must
  // answer while analyses are still running.
  const answeredDuringAnalysis: string[] = [];
  while (pending > 0) {
    const me = await graph.request<{ me: { id: string } }>('{ me { id } }', {}, { token });
    expect(me.errors).toBeUndefined();
    if (pending > 0) answeredDuringAnalysis.push(me.data!.me.id);
  }
  expect(answeredDuringAnalysis.length).toBeGreaterThan(0);

  for (const result of await Promise.all(analyses)) {
    expect(result.errors).toBeUndefined();
    expect(result.data!.analyzeImage.faces).toHaveLength(1);
    const [face] = result.data!.analyzeImage.faces;
    expect(face!.score).toBeGreaterThan(0.9);
    expect(face!.expression.label).toBe('HAPPY');
    expect(face!.eyes.left.open).toBe(true);
  }
  // No model was opened on the servers' thread: inference ran on the analysis threads.
  expect(sessionsOpenedHere).not.toHaveBeenCalled();
});
