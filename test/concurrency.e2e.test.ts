import { readFileSync } from 'node:fs';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * Many different operations at once must each get their own answer. (On the embedded database, several
 * pooled connections once had their protocol messages interleaved on PGlite's single backend, and a
 * query could receive another query's rows.)
 */
const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url)).toString('base64');
let graph: TestGraph;
let token: string;

beforeAll(async () => {
  graph = await startTestGraph();
  token = await graph.login();
});
afterAll(async () => graph?.stop());

it('answers 300 concurrent, different reads and writes each with its own data', async () => {
  const groups: { id: string; name: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const name = `concurrency group ${i}`;
    const created = await graph.request<{ createDeviceGroup: { id: string } }>(
      `mutation($i: CreateDeviceGroupInput!) { createDeviceGroup(input: $i) { id } }`,
      { i: { name } },
      { token },
    );
    groups.push({ id: created.data!.createDeviceGroup.id, name });
  }
  const checks = Array.from({ length: 300 }, async (_, n) => {
    const group = groups[n % groups.length]!;
    if (n % 15 === 0) {
      // Large statements (a capture's bytes are stored, its job queued) among the small ones.
      const upload = await graph.request<{ uploadCapture: { id: string; device: { id: string } } }>(
        `mutation($i: UploadCaptureInput!) { uploadCapture(input: $i) { id device { id } } }`,
        { i: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
        { token },
      );
      expect(upload.errors).toBeUndefined();
      expect(upload.data!.uploadCapture.device.id).toBe(DEMO.device.id);
    } else if (n % 3 === 0) {
      // Created, read back and deleted: a transaction among the reads.
      const created = await graph.request<{ createDeviceGroup: { id: string; name: string } }>(
        `mutation($i: CreateDeviceGroupInput!) { createDeviceGroup(input: $i) { id name } }`,
        { i: { name: `transient ${n}` } },
        { token },
      );
      expect(created.errors).toBeUndefined();
      expect(created.data!.createDeviceGroup.name).toBe(`transient ${n}`);
      const deleted = await graph.request<{ deleteDeviceGroup: { deletedId: string } }>(
        `mutation($i: DeleteDeviceGroupInput!) { deleteDeviceGroup(input: $i) { deletedId } }`,
        { i: { id: created.data!.createDeviceGroup.id } },
        { token },
      );
      expect(deleted.errors).toBeUndefined();
      expect(deleted.data!.deleteDeviceGroup.deletedId).toBe(created.data!.createDeviceGroup.id);
    } else if (n % 3 === 1) {
      const result = await graph.request<{
        deviceGroup: { id: string; name: string } | null;
        me: { email: string; account: { name: string } };
      }>(`query($id: ID!) { deviceGroup(id: $id) { id name } me { email account { name } } }`, { id: group.id }, { token });
      expect(result.errors).toBeUndefined();
      expect(result.data!.deviceGroup).toEqual(group);
    } else {
      const result = await graph.request<{ deviceMarks: { edges: unknown[] } }>(
        `{ deviceMarks(first: 20) { edges { node { id device { name account { name } } } } } }`,
        {},
        { token },
      );
      expect(result.errors).toBeUndefined();
    }
  });
  await Promise.all(checks);
  await graph.settle();
});
