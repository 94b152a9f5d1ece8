/**
 * @defer through the gateway: the time to the first part (the page of marks) and to the last part (every
 * mark's analysis) of `multipart/mixed; deferSpec=20220824`, beside the same page asked without @defer
 * (one JSON result), on the whole graph over a scratch database with marks made by the capture pipeline.
 *
 *   pnpm bench:defer        BENCH_MARKS=10 (marks on the page)  BENCH_RUNS=60
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO } from '@iris/core';
import { startBenchGraph, summarize, writeResults } from './harness.js';

const MARKS = Number(process.env.BENCH_MARKS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const PORTRAIT = readFileSync(new URL('../test/fixtures/images/astronaut.png', import.meta.url)).toString('base64');

const DEFERRED = `query($n: Int!) { deviceMarks(first: $n) { nodes { id device { name } ... @defer { analysis { faces { score } } } } } }`;
const PLAIN = `query($n: Int!) { deviceMarks(first: $n) { nodes { id device { name } analysis { faces { score } } } } }`;

const bench = await startBenchGraph();
try {
  const { graph, ownerToken } = bench;
  const auth = { authorization: `Bearer ${ownerToken}` };
  process.stdout.write(`making ${MARKS} marks through the capture pipeline`);
  const ids: string[] = [];
  for (let i = 0; i < MARKS; i++) {
    const { data } = await bench.request(
      'mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }',
      { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
      auth,
    );
    ids.push(data.uploadCapture.id as string);
  }
  for (const id of ids) {
    for (;;) {
      const { data } = await bench.request('query($id: ID!) { deviceData(id: $id) { analysisStatus } }', { id }, auth);
      if (data.deviceData.analysisStatus === 'DONE' || data.deviceData.analysisStatus === 'FAILED') break;
      await sleep(500);
    }
    process.stdout.write('.');
  }
  process.stdout.write('\n');

  /** One deferred request: milliseconds to the end of the first part and to the end of the response. */
  const deferred = async () => {
    const started = performance.now();
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;deferSpec=20220824, application/json', ...auth },
      body: JSON.stringify({ query: DEFERRED, variables: { n: MARKS } }),
    });
    if (!response.headers.get('content-type')?.startsWith('multipart/mixed')) throw new Error('not an incremental response');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let first: number | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      // The first part ends at the second boundary.
      if (first === undefined && text.split('\r\n---').length > 2) first = performance.now() - started;
    }
    const parts = text.split('\r\n---').length - 2;
    if (!text.endsWith('\r\n-----\r\n')) throw new Error('the response did not end with the closing boundary');
    const items = text.match(/"path":\["deviceMarks","nodes",\d+\]/g)?.length ?? 0;
    if (items !== MARKS) throw new Error(`expected ${MARKS} deferred analyses, got ${items}`);
    return { first: first!, last: performance.now() - started, parts };
  };
  const plain = async () => (await bench.request(PLAIN, { n: MARKS }, auth)).ms;

  for (let i = 0; i < 10; i++) {
    await deferred();
    await plain();
  }
  const firsts: number[] = [];
  const lasts: number[] = [];
  const plains: number[] = [];
  let parts = 0;
  for (let i = 0; i < RUNS; i++) {
    const run = await deferred();
    firsts.push(run.first);
    lasts.push(run.last);
    parts = run.parts;
    plains.push(await plain());
  }
  const results = {
    marks: MARKS,
    runs: RUNS,
    partsPerResponse: parts,
    loadAverage: loadavg().map((l) => +l.toFixed(2)),
    database: bench.databaseLabel,
    cases: [
      summarize('@defer: first part (the page)', firsts),
      summarize('@defer: last part (every analysis)', lasts),
      summarize('without @defer: one JSON result', plains),
    ],
  };
  console.table(results.cases);
  console.log(`parts per response: ${parts}; load average: ${results.loadAverage.join(' ')}; database: ${results.database}`);
  writeResults('defer.json', results);
} finally {
  await bench.stop();
}
