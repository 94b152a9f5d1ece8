import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';
import { createTenant } from './support/tenants.js';

const PORTRAIT = readFileSync(new URL('./fixtures/images/astronaut.png', import.meta.url));
const DEMO_MODE_ID = '0190a000-0000-7000-8000-000000000501';

let graph: TestGraph;
let owner: string;
let admin: string;
const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;
const as =
  (token: string) =>
  (query: string, variables: Record<string, unknown> = {}) =>
    graph.request(query, variables, { token });

/**
 * The owner's query and the SQL statements sent on its behalf, told apart by its request id from
 * whatever runs meanwhile in the background (the outbox relay, the webhook delivery poller).
 */
const counted = async (query: string) => {
  const requestId = randomUUID();
  const statements = graph.database.countStatementsOf(requestId);
  try {
    const result = await graph.request(query, {}, { token: owner, headers: { 'x-request-id': requestId } });
    return { result, statements: statements.count() };
  } finally {
    statements.stop();
  }
};

const UPLOAD = `mutation($input: UploadCaptureInput!) { uploadCapture(input: $input) { id contentType width height byteSize analysisStatus url } }`;

beforeAll(async () => {
  graph = await startTestGraph();
  owner = await graph.login();
  admin = await graph.login(DEMO.adminUser.email);
});
afterAll(() => graph?.stop());

describe('groups, devices and sharing', () => {
  it('manages groups and devices, with capabilities, zones, a mode and a signed stream URL', async () => {
    const group = (await as(owner)(`mutation { createDeviceGroup(input: { name: "Warehouse" }) { id } }`)).data!.createDeviceGroup;
    const added = await as(owner)(
      `mutation($input: AddDeviceInput!) { addDevice(input: $input) { id group { name } attributes { resolutions { width height } frameRates sensorType } status } }`,
      {
        input: {
          name: 'Dock cam',
          groupId: group.id,
          attributes: { resolutions: [{ width: 1280, height: 720 }], frameRates: [30], sensorType: 'CMOS' },
        },
      },
    );
    const device = added.data!.addDevice;
    expect(device).toMatchObject({
      group: { name: 'Warehouse' },
      attributes: { resolutions: [{ width: 1280, height: 720 }], frameRates: [30], sensorType: 'CMOS' },
      status: 'OFFLINE',
    });

    const zones = await as(owner)(
      `mutation($input: SetDeviceZonesInput!) { setDeviceZones(input: $input) { zones { name points { x y } } } }`,
      {
        input: {
          deviceId: device.id,
          zones: [
            {
              name: 'door',
              points: [
                { x: 0, y: 0 },
                { x: 0.5, y: 0 },
                { x: 0.5, y: 1 },
              ],
            },
          ],
        },
      },
    );
    expect(zones.data!.setDeviceZones.zones).toEqual([
      {
        name: 'door',
        points: [
          { x: 0, y: 0 },
          { x: 0.5, y: 0 },
          { x: 0.5, y: 1 },
        ],
      },
    ]);
    const bowtie = await as(owner)(`mutation($input: SetDeviceZonesInput!) { setDeviceZones(input: $input) { id } }`, {
      input: {
        deviceId: device.id,
        zones: [
          {
            name: 'bad',
            points: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
              { x: 1, y: 0 },
              { x: 0, y: 1 },
            ],
          },
        ],
      },
    });
    expect(bowtie.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.zones.0.points' });
    expect(await graph.database.prisma.zone.count({ where: { deviceId: device.id } })).toBe(1);

    const moded = await as(owner)(
      `mutation($d: ID!, $m: ID) { assignDeviceMode(input: { deviceId: $d, modeId: $m }) { mode { name minFaces } streamingUrl } }`,
      { d: device.id, m: DEMO_MODE_ID },
    );
    expect(moded.data!.assignDeviceMode.mode).toEqual({ name: 'Any face', minFaces: 1 });
    expect(moded.data!.assignDeviceMode.streamingUrl).toMatch(/\/devices\/.+\/live\.m3u8\?expires=\d+&signature=/);

    const status = await as(owner)(
      `mutation($id: ID!) { updateDevice(input: { id: $id, status: ERROR, statusReason: "Lost connection" }) { status } }`,
      { id: device.id },
    );
    expect(status.data!.updateDevice.status).toBe('ERROR');
    await graph.bus.drain();
    const notes = await as(owner)(`{ notifications(first: 5) { nodes { type title body device { name } } } }`);
    expect(notes.data!.notifications.nodes[0]).toEqual({
      type: 'DEVICE_ERROR',
      title: 'Dock cam reports an error',
      body: 'Lost connection',
      device: { name: 'Dock cam' },
    });

    const moved = await as(owner)(`mutation($id: ID!) { moveDevice(input: { id: $id, groupId: null }) { group { id } } }`, {
      id: device.id,
    });
    expect(moved.data!.moveDevice.group).toBeNull();
    const deleted = await as(owner)(`mutation($id: ID!) { deleteDevice(input: { id: $id }) { deletedAt } }`, { id: device.id });
    expect(deleted.data!.deleteDevice.deletedAt).toEqual(expect.any(String));
    expect((await as(owner)(`query($id: ID!) { device(id: $id) { id } }`, { id: device.id })).data!.device).toBeNull();
    const restored = await as(owner)(`mutation($id: ID!) { restoreDevice(input: { id: $id }) { deletedAt name } }`, { id: device.id });
    expect(restored.data!.restoreDevice).toEqual({ deletedAt: null, name: 'Dock cam' });
  });

  it('lets users a group or device is shared with view it, never change it', async () => {
    const viewer = await createTenant(graph, 'Viewer Inc');
    const share = await as(owner)(
      `mutation($u: ID!) { shareDeviceGroup(input: { groupId: "${DEMO.deviceGroup.id}", userId: $u }) { id } }`,
      { u: viewer.user.id },
    );
    expect(share.errors).toBeUndefined();
    const seen = await as(viewer.token)(
      `{ sharedDeviceGroups { nodes { name devices { nodes { name } } } } device(id: "${DEMO.device.id}") { name } }`,
    );
    expect(seen.data).toEqual({
      sharedDeviceGroups: { nodes: [{ name: DEMO.deviceGroup.name, devices: { nodes: [{ name: DEMO.device.name }] } }] },
      device: { name: DEMO.device.name },
    });
    const change = await as(viewer.token)(`mutation { updateDevice(input: { id: "${DEMO.device.id}", name: "Mine" }) { name } }`);
    expect(codeOf(change)).toBe('NOT_FOUND');
    await as(owner)(`mutation($u: ID!) { unshareDeviceGroup(input: { groupId: "${DEMO.deviceGroup.id}", userId: $u }) { id } }`, {
      u: viewer.user.id,
    });
    expect((await as(viewer.token)(`{ device(id: "${DEMO.device.id}") { name } }`)).data!.device).toBeNull();

    const stranger = await createTenant(graph, 'Stranger');
    expect((await as(stranger.token)(`{ device(id: "${DEMO.device.id}") { name } }`)).data!.device).toBeNull();
    const malformed = await as(stranger.token)(`{ device(id: "not-a-uuid") { name } }`);
    expect(malformed.data!.device).toBeNull();
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(codeOf(await as(stranger.token)(`mutation { deleteDevice(input: { id: "${DEMO.device.id}" }) { id } }`))).toBe('NOT_FOUND');
  });
});

describe('modes', () => {
  it("are created by service admins (global) and main users (their account's own), validated on write", async () => {
    const CREATE = `mutation($input: CreateDeviceModeInput!) { createDeviceMode(input: $input) { id name expressions timeWindows { days start end timeZone } account { id } } }`;
    const input = {
      name: 'Smiles at the door',
      minFaces: 1,
      minScore: 0.8,
      expressions: ['HAPPY'],
      eyesOpen: true,
      zoneNames: ['door'],
      timeWindows: [{ days: ['MON', 'TUE'], start: '08:00', end: '18:00', timeZone: 'Europe/London' }],
    };
    expect((await as(owner)(CREATE, { input: { ...input, name: 'Our own smiles' } })).data!.createDeviceMode.account).toEqual({
      id: DEMO.account.id,
    });
    const created = await as(admin)(CREATE, { input });
    expect(created.data!.createDeviceMode).toMatchObject({ name: 'Smiles at the door', expressions: ['HAPPY'], account: null });
    for (const [bad, field] of [
      [{ ...input, minScore: 1.5 }, 'input.minScore'],
      [{ ...input, minFaces: 0 }, 'input.minFaces'],
      [
        { ...input, timeWindows: [{ days: ['MON'], start: '25:00', end: '18:00', timeZone: 'Europe/London' }] },
        'input.timeWindows.0.start',
      ],
      [
        { ...input, timeWindows: [{ days: ['MON'], start: '08:00', end: '18:00', timeZone: 'Mars/Olympus' }] },
        'input.timeWindows.0.timeZone',
      ],
    ] as const) {
      expect((await as(admin)(CREATE, { input: bad })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const withdrawn = await as(admin)(`mutation($id: ID!) { deleteDeviceMode(input: { id: $id }) { id } }`, {
      id: created.data!.createDeviceMode.id,
    });
    expect(withdrawn.errors).toBeUndefined();
    const listed = await as(owner)(`{ deviceModes { nodes { name } } }`);
    expect(listed.data!.deviceModes.nodes.map((m: { name: string }) => m.name)).not.toContain('Smiles at the door');
  });
});

describe('captures and marks', () => {
  it('stores an uploaded capture, and a capture whose analysis meets the mode makes a mark and a notification', async () => {
    const marks: unknown[] = [];
    const stop = graph.bus.subscribe('mark.created', (e) => void marks.push(e.payload));
    const uploaded = await as(owner)(UPLOAD, { input: { deviceId: DEMO.device.id, imageBase64: PORTRAIT.toString('base64') } });
    const capture = uploaded.data!.uploadCapture;
    expect(capture).toMatchObject({
      contentType: 'image/png',
      width: 512,
      height: 512,
      byteSize: PORTRAIT.length,
      analysisStatus: 'PENDING',
    });

    const image = await fetch(capture.url);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(PORTRAIT)).toBe(true);
    const forged = await fetch(capture.url.replace(/signature=[^&]+/, 'signature=forged'));
    expect(forged.status).toBe(403);

    await graph.settle(); // the real face analysis runs, then the mode is evaluated
    stop();
    expect(marks).toHaveLength(1);
    const detail = await as(owner)(
      `{ deviceMarks(first: 1) { nodes { id faceCount read device { name } group { name } mode { name } data { id analysisStatus } } } }`,
    );
    expect(detail.data!.deviceMarks.nodes[0]).toMatchObject({
      faceCount: 1,
      read: false,
      device: { name: DEMO.device.name },
      group: { name: DEMO.deviceGroup.name },
      mode: { name: 'Any face' },
      data: { id: capture.id, analysisStatus: 'DONE' },
    });
    const note = await as(owner)(`{ notifications(first: 1) { nodes { type mark { id } } } }`);
    expect(note.data!.notifications.nodes[0]).toEqual({ type: 'MARK_CREATED', mark: { id: detail.data!.deviceMarks.nodes[0].id } });

    // No face, no mark.
    const empty = (
      await as(owner)(UPLOAD, {
        input: {
          deviceId: DEMO.device.id,
          imageBase64: readFileSync(new URL('./fixtures/images/coffee.png', import.meta.url)).toString('base64'),
        },
      })
    ).data!.uploadCapture;
    await graph.settle();
    expect((await graph.database.prisma.deviceData.findUniqueOrThrow({ where: { id: empty.id } })).analysisStatus).toBe('DONE');
    expect(await graph.database.prisma.deviceMark.count({ where: { dataId: empty.id } })).toBe(0);
  });

  it('refuses what is not an image, or too large, and writes nothing', async () => {
    const before = await graph.database.prisma.deviceData.count();
    const notImage = await as(owner)(UPLOAD, {
      input: { deviceId: DEMO.device.id, imageBase64: Buffer.from('hello, not an image').toString('base64') },
    });
    expect(notImage.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.imageBase64' });
    const notBase64 = await as(owner)(UPLOAD, { input: { deviceId: DEMO.device.id, imageBase64: '!!!' } });
    expect(codeOf(notBase64)).toBe('BAD_USER_INPUT');
    const huge = await as(owner)(UPLOAD, {
      input: { deviceId: DEMO.device.id, imageBase64: 'A'.repeat(Math.ceil((11.5 * 1024 * 1024) / 4) * 4) },
    });
    expect(huge.errors?.[0]?.message).toMatch(/createCaptureUploadUrl/);
    expect(await graph.database.prisma.deviceData.count()).toBe(before);
  });

  it('takes larger captures through a signed, single-use upload URL', async () => {
    const ticket = (
      await as(owner)(
        `mutation { createCaptureUploadUrl(input: { deviceId: "${DEMO.device.id}", contentType: "image/png" }) { url maxBytes expiresAt } }`,
      )
    ).data!.createCaptureUploadUrl;
    const put = (body: Buffer, url = ticket.url) => fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body });
    expect((await put(PORTRAIT, ticket.url.replace(/expires=\d+/, 'expires=9999999999'))).status).toBe(403);
    const stored = await put(PORTRAIT);
    expect(stored.status).toBe(201);
    expect(await stored.json()).toMatchObject({ analysisStatus: 'PENDING' });
    expect((await put(PORTRAIT)).status).toBe(409);
  });

  it('lists marks with filters and both orders, pages both ways, and keeps the trash apart', async () => {
    const group = DEMO.deviceGroup.id;
    const second = (await as(owner)(`mutation { addDevice(input: { name: "Side cam", groupId: "${group}" }) { id } }`)).data!.addDevice.id;
    const made: string[] = [];
    for (const deviceId of [DEMO.device.id, second, DEMO.device.id, second]) {
      made.push(
        (await as(admin)(`mutation($d: ID!) { createDeviceMark(input: { deviceId: $d }) { id } }`, { d: deviceId })).data!.createDeviceMark
          .id,
      );
    }
    const LIST = `query($f: DeviceMarkFilter, $o: DeviceMarkOrder, $first: Int, $after: String, $last: Int, $before: String) {
      deviceMarks(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id device { id } } } }`;
    const onSecond = (await as(owner)(LIST, { f: { deviceId: second } })).data!.deviceMarks;
    expect(onSecond.nodes.map((n: { id: string }) => n.id)).toEqual([made[3], made[1]]);

    const byDevice = (await as(owner)(LIST, { f: { deviceGroupId: group }, o: { field: 'DEVICE', direction: 'ASC' }, first: 100 })).data!
      .deviceMarks;
    const devicesInOrder = byDevice.nodes.map((n: { device: { id: string } }) => n.device.id);
    expect(devicesInOrder).toEqual([...devicesInOrder].sort());

    const page1 = (await as(owner)(LIST, { f: { deviceGroupId: group }, first: 2 })).data!.deviceMarks;
    const page2 = (await as(owner)(LIST, { f: { deviceGroupId: group }, first: 2, after: page1.pageInfo.endCursor })).data!.deviceMarks;
    const back = (await as(owner)(LIST, { f: { deviceGroupId: group }, last: 2, before: page2.pageInfo.startCursor })).data!.deviceMarks;
    expect(back.nodes.map((n: { id: string }) => n.id)).toEqual(page1.nodes.map((n: { id: string }) => n.id));
    expect(codeOf(await as(owner)(LIST, { f: { deviceId: 'nope' } }))).toBe('BAD_USER_INPUT');
    const wrongOrderCursor = await as(owner)(LIST, { o: { field: 'DEVICE', direction: 'ASC' }, after: page1.pageInfo.endCursor });
    expect(codeOf(wrongOrderCursor)).toBe('BAD_USER_INPUT');

    const read = await as(owner)(`mutation($ids: [ID!]!) { markDeviceMarksRead(input: { ids: $ids }) { read } }`, { ids: [made[0]] });
    expect(read.data!.markDeviceMarksRead).toEqual([{ read: true }]);
    const unread = (await as(owner)(LIST, { f: { unread: true, deviceGroupId: group }, first: 100 })).data!.deviceMarks.nodes.map(
      (n: { id: string }) => n.id,
    );
    expect(unread).not.toContain(made[0]);

    await as(owner)(`mutation($ids: [ID!]!) { trashDeviceMarks(input: { ids: $ids }) { id } }`, { ids: [made[1]] });
    const live = (await as(owner)(LIST, { f: { deviceId: second } })).data!.deviceMarks.nodes.map((n: { id: string }) => n.id);
    expect(live).toEqual([made[3]]);
    const trash = (await as(owner)(LIST, { f: { deviceId: second, deleted: true } })).data!.deviceMarks.nodes.map(
      (n: { id: string }) => n.id,
    );
    expect(trash).toEqual([made[1]]);
    await as(owner)(`mutation($ids: [ID!]!) { recoverDeviceMarks(input: { ids: $ids }) { id } }`, { ids: [made[1]] });
    await as(owner)(`mutation($ids: [ID!]!) { trashDeviceMarks(input: { ids: $ids }) { id } }`, { ids: [made[3]] });
    const purged = await as(owner)(`mutation($ids: [ID!]!) { purgeDeviceMarks(input: { ids: $ids }) { purgedIds } }`, {
      ids: [made[1], made[3]],
    });
    expect(purged.data!.purgeDeviceMarks.purgedIds).toEqual([made[3]]); // only what was in the trash

    const latest = await as(owner)(`query($ids: [ID!]!) { latestDeviceMarks(deviceIds: $ids, perDevice: 1) { id device { id } } }`, {
      ids: [DEMO.device.id, second],
    });
    expect(latest.data!.latestDeviceMarks.map((m: { device: { id: string } }) => m.device.id).sort()).toEqual(
      [DEMO.device.id, second].sort(),
    );

    const stranger = await createTenant(graph, 'Mark thief');
    expect((await as(stranger.token)(LIST, {})).data!.deviceMarks.totalCount).toBe(0);
    expect((await as(stranger.token)(`query($id: ID!) { deviceMark(id: $id) { id } }`, { id: made[0] })).data!.deviceMark).toBeNull();
    const stolen = await as(stranger.token)(`mutation($ids: [ID!]!) { markDeviceMarksRead(input: { ids: $ids }) { id } }`, {
      ids: [made[2]],
    });
    expect(stolen.data!.markDeviceMarksRead).toEqual([]);
    expect((await graph.database.prisma.deviceMark.findUnique({ where: { id: made[2] } }))!.readAt).toBeNull();
  });

  it('fetches 100 marks with device, group and mode in a constant number of statements', async () => {
    for (let i = 0; i < 100; i++)
      await graph.database.prisma.deviceMark.create({
        data: { accountId: DEMO.account.id, deviceId: DEMO.device.id, groupId: DEMO.deviceGroup.id, modeId: DEMO_MODE_ID },
      });
    const QUERY = (n: number) => `{ deviceMarks(first: ${n}) { nodes { id device { name } group { name } mode { name } } } }`;
    const count = async (n: number) => {
      const { result, statements } = await counted(QUERY(n));
      expect(result.data!.deviceMarks.nodes).toHaveLength(n);
      return statements;
    };
    const ten = await count(10);
    const hundred = await count(100);
    expect(hundred).toBe(ten);
    // The page, the user's shared devices, then one batch each for devices, groups and modes.
    expect(hundred).toBeLessThanOrEqual(5);
    expect(hundred).toBeGreaterThanOrEqual(4);
  });

  it('answers a page of marks with their device, group, mode and capture alike through nodes, edges and fragments, in the same statements', async () => {
    const FIELDS = 'id device { name } group { name } mode { name } data { id }';
    const run = async (query: string) => {
      const { result, statements } = await counted(query);
      expect(result.errors).toBeUndefined();
      return { result: result.data!.deviceMarks, statements };
    };
    const nodes = await run(`{ deviceMarks(first: 30) { nodes { ${FIELDS} } } }`);
    const edges = await run(`{ deviceMarks(first: 30) { edges { node { ...M } } } } fragment M on DeviceMark { ${FIELDS} }`);
    const inline = await run(`{ deviceMarks(first: 30) { ... on DeviceMarkConnection { nodes { ... on DeviceMark { ${FIELDS} } } } } }`);
    expect(nodes.result.nodes.length).toBeGreaterThan(0);
    expect(edges.result.edges.map((edge: { node: unknown }) => edge.node)).toEqual(nodes.result.nodes);
    expect(inline.result.nodes).toEqual(nodes.result.nodes);
    expect(new Set([nodes.statements, edges.statements, inline.statements]).size).toBe(1);
    // Nothing is loaded for relations the page does not ask for.
    const bare = await run(`{ deviceMarks(first: 30) { nodes { id } } }`);
    expect(bare.statements).toBeLessThan(nodes.statements);
  });

  it('shows a mark with its device and capture to its account, service admins and the users its device or group is shared with, and to no one else', async () => {
    const capture = (await as(owner)(UPLOAD, { input: { deviceId: DEMO.device.id, imageBase64: PORTRAIT.toString('base64') } })).data!
      .uploadCapture;
    const mark = (
      await as(admin)(`mutation($d: ID!, $c: ID) { createDeviceMark(input: { deviceId: $d, deviceDataId: $c }) { id } }`, {
        d: DEMO.device.id,
        c: capture.id,
      })
    ).data!.createDeviceMark;
    const MARK = `query($id: ID!, $c: ID!) { deviceMark(id: $id) { id device { name } data { id } } deviceData(id: $c) { id } }`;
    const seen = async (token: string) => (await as(token)(MARK, { id: mark.id, c: capture.id })).data;
    const shown = {
      deviceMark: { id: mark.id, device: { name: DEMO.device.name }, data: { id: capture.id } },
      deviceData: { id: capture.id },
    };
    const hidden = { deviceMark: null, deviceData: null };
    expect(await seen(owner)).toEqual(shown);
    expect(await seen(admin)).toEqual(shown);

    const viewer = await createTenant(graph, 'Mark Viewer');
    expect(await seen(viewer.token)).toEqual(hidden);
    const DEVICE_SHARE = (verb: string) => `mutation($u: ID!) { ${verb}(input: { deviceId: "${DEMO.device.id}", userId: $u }) { id } }`;
    const GROUP_SHARE = (verb: string) => `mutation($u: ID!) { ${verb}(input: { groupId: "${DEMO.deviceGroup.id}", userId: $u }) { id } }`;
    expect((await as(owner)(DEVICE_SHARE('shareDevice'), { u: viewer.user.id })).errors).toBeUndefined();
    expect(await seen(viewer.token)).toEqual(shown);
    const listed = await as(viewer.token)(`{ deviceMarks(first: 100) { nodes { id device { name } data { id } } } }`);
    expect(listed.data!.deviceMarks.nodes).toContainEqual(shown.deviceMark);
    await as(owner)(DEVICE_SHARE('unshareDevice'), { u: viewer.user.id });
    expect(await seen(viewer.token)).toEqual(hidden);
    expect((await as(owner)(GROUP_SHARE('shareDeviceGroup'), { u: viewer.user.id })).errors).toBeUndefined();
    expect(await seen(viewer.token)).toEqual(shown);
    await as(owner)(GROUP_SHARE('unshareDeviceGroup'), { u: viewer.user.id });
    expect(await seen(viewer.token)).toEqual(hidden);

    const stranger = await createTenant(graph, 'Mark Stranger');
    expect(await seen(stranger.token)).toEqual(hidden);

    // A deleted device still shows as its marks' device, and its captures stay readable.
    await as(owner)(`mutation { deleteDevice(input: { id: "${DEMO.device.id}" }) { id } }`);
    try {
      expect(await seen(owner)).toEqual(shown);
      expect(await seen(stranger.token)).toEqual(hidden);
    } finally {
      await as(owner)(`mutation { restoreDevice(input: { id: "${DEMO.device.id}" }) { id } }`);
    }
  });

  it("signs mark image URLs, restores captures, and keeps notifications: today's unsent, sent, announcements", async () => {
    const capture = (await as(owner)(UPLOAD, { input: { deviceId: DEMO.device.id, imageBase64: PORTRAIT.toString('base64') } })).data!
      .uploadCapture;
    const mark = (
      await as(admin)(`mutation($d: ID!, $c: ID) { createDeviceMark(input: { deviceId: $d, deviceDataId: $c }) { id } }`, {
        d: DEMO.device.id,
        c: capture.id,
      })
    ).data!.createDeviceMark;
    const signed = (
      await as(owner)(`mutation($ids: [ID!]!) { signDeviceMarkUrls(input: { ids: $ids }) { markId url expiresAt } }`, { ids: [mark.id] })
    ).data!.signDeviceMarkUrls;
    expect(signed).toEqual([
      { markId: mark.id, url: expect.stringContaining(`/media/captures/${capture.id}?expires=`), expiresAt: expect.any(String) },
    ]);
    expect((await fetch(signed[0].url)).status).toBe(200);

    await as(owner)(`mutation($id: ID!) { deleteDeviceData(input: { id: $id }) { deletedAt } }`, { id: capture.id });
    expect((await fetch(signed[0].url)).status).toBe(404);
    const restored = await as(owner)(`mutation($id: ID!) { restoreDeviceData(input: { id: $id }) { deletedAt } }`, { id: capture.id });
    expect(restored.data!.restoreDeviceData.deletedAt).toBeNull();

    const announced = await as(admin)(
      `mutation($a: ID!) { createNotification(input: { accountId: $a, title: "Maintenance", body: "Tonight 2am" }) { id type } }`,
      { a: DEMO.account.id },
    );
    expect(announced.data!.createNotification.type).toBe('ANNOUNCEMENT');
    expect(
      codeOf(
        await as(owner)(`mutation($a: ID!) { createNotification(input: { accountId: $a, title: "x", body: "y" }) { id } }`, {
          a: DEMO.account.id,
        }),
      ),
    ).toBe('FORBIDDEN');
    const edited = await as(admin)(`mutation($id: ID!) { updateNotification(input: { id: $id, body: "Tonight 3am" }) { body } }`, {
      id: announced.data!.createNotification.id,
    });
    expect(edited.data!.updateNotification.body).toBe('Tonight 3am');

    const today = (await as(owner)(`query($a: ID!) { unsentNotificationsToday(accountId: $a) { id } }`, { a: DEMO.account.id })).data!
      .unsentNotificationsToday;
    expect(today.map((n: { id: string }) => n.id)).toContain(announced.data!.createNotification.id);
    const sent = await as(owner)(`mutation($ids: [ID!]!) { markNotificationsSent(input: { ids: $ids }) { sentAt } }`, {
      ids: [announced.data!.createNotification.id],
    });
    expect(sent.data!.markNotificationsSent[0].sentAt).toEqual(expect.any(String));
    const after = (await as(owner)(`query($a: ID!) { unsentNotificationsToday(accountId: $a) { id } }`, { a: DEMO.account.id })).data!
      .unsentNotificationsToday;
    expect(after.map((n: { id: string }) => n.id)).not.toContain(announced.data!.createNotification.id);
    const stranger = await createTenant(graph, 'Nosy');
    expect(
      codeOf(await as(stranger.token)(`query($a: ID!) { unsentNotificationsToday(accountId: $a) { id } }`, { a: DEMO.account.id })),
    ).toBe('FORBIDDEN');
    const removed = await as(admin)(`mutation($id: ID!) { deleteNotification(input: { id: $id }) { deletedId } }`, {
      id: announced.data!.createNotification.id,
    });
    expect(removed.data!.deleteNotification.deletedId).toBe(announced.data!.createNotification.id);
  });

  it('purges captures and marks older than the plan allows, files included', async () => {
    const capture = (await as(owner)(UPLOAD, { input: { deviceId: DEMO.device.id, imageBase64: PORTRAIT.toString('base64') } })).data!
      .uploadCapture;
    await graph.database.prisma.deviceData.update({
      where: { id: capture.id },
      data: { createdAt: new Date(Date.now() - 10 * 86_400_000) },
    });
    const row = await graph.database.prisma.deviceData.findUniqueOrThrow({ where: { id: capture.id } });
    await graph.bus.publish('account.retentionPlanChanged', { accountId: DEMO.account.id, planId: 'p', retentionDays: 7 });
    await graph.bus.drain();
    await graph.sweepRetention();
    expect(await graph.database.prisma.deviceData.count({ where: { id: capture.id } })).toBe(0);
    expect(await graph.storage.get(row.storageKey)).toBeNull();
  });
});
