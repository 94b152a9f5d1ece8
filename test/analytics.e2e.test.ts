import { readFileSync } from 'node:fs';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { createTenant } from './support/tenants.js';

const image = (name: string) => readFileSync(new URL(`./fixtures/images/${name}`, import.meta.url)).toString('base64');

let graph: TestGraph;
let owner: string;
const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;
const as =
  (token: string) =>
  (query: string, variables: Record<string, unknown> = {}) =>
    graph.request(query, variables, { token });

beforeAll(async () => {
  graph = await startTestGraph({ ANALYSIS_RETRY_BACKOFF_MS: '10' });
  owner = await graph.login();
});
afterAll(() => graph?.stop());

describe('face analysis', () => {
  it('finds one happy face with open eyes on the portrait, with box, landmarks and expression scores', async () => {
    const result = await as(owner)(
      `mutation($input: AnalyzeImageInput!) { analyzeImage(input: $input) {
        width height durationMs models { detector landmarks eyes expression }
        faces { score box { x y width height } landmarks { x y } eyes { left { open probability } right { open probability } } expression { label scores { label score } } } } }`,
      { input: { imageBase64: image('astronaut.png') } },
    );
    expect(result.errors).toBeUndefined();
    const analysis = result.data!.analyzeImage;
    expect(analysis).toMatchObject({ width: 512, height: 512 });
    expect(analysis.faces).toHaveLength(1);
    const [face] = analysis.faces;
    expect(face.score).toBeGreaterThan(0.8);
    expect(face.landmarks).toHaveLength(68);
    expect(face.eyes.left.open && face.eyes.right.open).toBe(true);
    expect(face.expression.label).toBe('HAPPY');
    expect(face.expression.scores.reduce((sum: number, s: { score: number }) => sum + s.score, 0)).toBeCloseTo(1, 3);
  });

  it('answers score, box and expression label alone (read without the landmarks) as they are in the full faces, to its own account only', async () => {
    const FULL = `query($id: ID!) { faceAnalysis(id: $id) { id width faces { score box { x y width height } expression { label scores { label score } } landmarks { x y } eyes { left { open } } } } }`;
    const SUMMARY = `query($id: ID!) { faceAnalysis(id: $id) { id width faces { score box { x y width height } expression { label } } } }`;
    const made = await as(owner)(`mutation($i: AnalyzeImageInput!) { analyzeImage(input: $i) { id } }`, {
      i: { imageBase64: image('astronaut.png') },
    });
    const id = made.data!.analyzeImage.id;
    const full = (await as(owner)(FULL, { id })).data!.faceAnalysis;
    const summary = await as(owner)(SUMMARY, { id });
    expect(summary.errors).toBeUndefined();
    expect(summary.data!.faceAnalysis).toEqual({
      id,
      width: full.width,
      faces: full.faces.map((face: { score: number; box: unknown; expression: { label: string } }) => ({
        score: face.score,
        box: face.box,
        expression: { label: face.expression.label },
      })),
    });
    expect(summary.data!.faceAnalysis.faces).toHaveLength(1);
    const other = await createTenant(graph, 'Onlooker');
    expect((await as(other.token)(SUMMARY, { id })).data!.faceAnalysis).toBeNull();
    expect((await as(other.token)(FULL, { id })).data!.faceAnalysis).toBeNull();
  });

  it('finds no face on a cup of coffee, and refuses what is not an image', async () => {
    const coffee = await as(owner)(`mutation($i: AnalyzeImageInput!) { analyzeImage(input: $i) { faces { score } } }`, {
      i: { imageBase64: image('coffee.png') },
    });
    expect(coffee.data!.analyzeImage.faces).toEqual([]);
    const garbage = await as(owner)(`mutation($i: AnalyzeImageInput!) { analyzeImage(input: $i) { width } }`, {
      i: { imageBase64: Buffer.from('not an image at all').toString('base64') },
    });
    expect(garbage.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.imageBase64' });
  });
});

describe('the capture-to-mark pipeline', () => {
  it('turns a portrait captured by the demo device into a mark whose analysis, device and account arrive in one request', async () => {
    const upload = await as(owner)(`mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`, {
      i: { deviceId: DEMO.device.id, imageBase64: image('astronaut.png') },
    });
    const captureId = upload.data!.uploadCapture.id;
    await graph.settle();
    const job = await as(owner)(
      `query($id: ID!) { analysisJob(deviceDataId: $id) { status attempts analysis { faces { expression { label } } } } }`,
      { id: captureId },
    );
    expect(job.data!.analysisJob).toEqual({ status: 'DONE', attempts: 1, analysis: { faces: [{ expression: { label: 'HAPPY' } }] } });

    const marks = await as(owner)(`{ deviceMarks(first: 1) { nodes {
      faceCount device { name account { name } } data { id analysisStatus analysis { faces { score } } }
      analysis { faces { score expression { label } eyes { left { open } } } } } } }`);
    expect(marks.errors).toBeUndefined();
    const [mark] = marks.data!.deviceMarks.nodes;
    expect(mark).toMatchObject({
      faceCount: 1,
      device: { name: DEMO.device.name, account: { name: DEMO.account.name } },
      data: { id: captureId, analysisStatus: 'DONE' },
      analysis: { faces: [{ expression: { label: 'HAPPY' }, eyes: { left: { open: true } } }] },
    });

    // The page a mark list shows reads each face's score, box and label only: the same as the full faces say.
    const summary = await as(owner)(
      `{ deviceMarks(first: 1) { nodes { analysis { id faces { score box { x y width height } expression { label } } } } } }`,
    );
    const full = await as(owner)(
      `{ deviceMarks(first: 1) { nodes { analysis { id faces { score box { x y width height } expression { label } landmarks { x } } } } } }`,
    );
    expect(summary.errors).toBeUndefined();
    const fullAnalysis = full.data!.deviceMarks.nodes[0].analysis;
    expect(fullAnalysis.faces[0].landmarks).toHaveLength(68);
    expect(summary.data!.deviceMarks.nodes[0].analysis).toEqual({
      id: fullAnalysis.id,
      faces: fullAnalysis.faces.map(({ landmarks: _landmarks, ...face }: { landmarks: unknown }) => face),
    });

    const stats = await as(owner)(`query($i: MarkStatisticsInput!) { markStatistics(input: $i) { start count } }`, {
      i: {
        from: new Date(Date.now() - 86_400_000).toISOString(),
        to: new Date(Date.now() + 86_400_000).toISOString(),
        bucket: 'DAY',
        deviceId: DEMO.device.id,
      },
    });
    expect(stats.data!.markStatistics.reduce((sum: number, b: { count: number }) => sum + b.count, 0)).toBeGreaterThanOrEqual(1);
  });

  it('fails the job of a broken capture with a reason, and the queue goes on', async () => {
    const upload = await as(owner)(`mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`, {
      i: { deviceId: DEMO.device.id, imageBase64: image('camera.png') },
    });
    const capture = await graph.database.prisma.deviceData.findUniqueOrThrow({ where: { id: upload.data!.uploadCapture.id } });
    // Corrupt the stored file after the upload accepted it, as a disk or a buggy device might.
    await graph.storage.put(capture.storageKey, Buffer.from('this is no longer a PNG'));
    const next = await as(owner)(`mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id } }`, {
      i: { deviceId: DEMO.device.id, imageBase64: image('astronaut.png') },
    });
    await graph.settle();
    const failed = await as(owner)(
      `query($id: ID!) { analysisJob(deviceDataId: $id) { status error } deviceData(id: $id) { analysisStatus analysisError } }`,
      { id: capture.id },
    );
    expect(failed.data!.analysisJob.status).toBe('FAILED');
    expect(failed.data!.analysisJob.error).toMatch(/image/i);
    expect(failed.data!.deviceData).toMatchObject({ analysisStatus: 'FAILED', analysisError: expect.any(String) });
    const ok = await as(owner)(`query($id: ID!) { analysisJob(deviceDataId: $id) { status } }`, { id: next.data!.uploadCapture.id });
    expect(ok.data!.analysisJob.status).toBe('DONE');
  });
});

describe('activity log', () => {
  it('records actions on your own devices only', async () => {
    const RECORD = `mutation($i: RecordActionInput!) { recordAction(input: $i) { kind note device { name } } }`;
    const recorded = await as(owner)(RECORD, { i: { deviceId: DEMO.device.id, kind: 'PHOTO_TAKEN', note: 'Front door' } });
    expect(recorded.data!.recordAction).toEqual({ kind: 'PHOTO_TAKEN', note: 'Front door', device: { name: DEMO.device.name } });
    const other = await createTenant(graph, 'Logger');
    const refused = await as(other.token)(RECORD, { i: { deviceId: DEMO.device.id, kind: 'PHOTO_TAKEN' } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.deviceId' });
    const log = await as(owner)(`{ device(id: "${DEMO.device.id}") { actions(last: 1) { nodes { kind } } } }`);
    expect(log.data!.device.actions.nodes).toEqual([{ kind: 'PHOTO_TAKEN' }]);
    expect(
      codeOf(
        await as(owner)(`query($i: MarkStatisticsInput!) { markStatistics(input: $i) { count } }`, {
          i: { from: '2026-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z', bucket: 'DAY' },
        }),
      ),
    ).toBe('BAD_USER_INPUT');
  });
});
