/**
 * Push preferences: each user chooses which kinds of the account's notifications reach their phones
 * (`updatePushPreferences`, `me { pushPreferences }`), every kind on by default. A user who turned a kind
 * off gets no push delivery for it, not even a skipped one, while the account's other users still do.
 * No push provider is configured here, so a push that is sent shows in the delivery log as SKIPPED.
 */
import { randomBytes } from 'node:crypto';
import { DEMO } from '@iris/core';
import { hashPassword } from '@iris/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

const PREFERENCES = 'pushPreferences { marks deviceErrors deviceStatusChanges announcements updatedAt }';
let graph: TestGraph;
let ownerToken: string;
let memberToken: string;
let adminToken: string;
const registrations = { owner: '', member: '' };

const register = async (token: string) => {
  const result = await graph.request(
    `mutation($t: String!) { registerPushToken(input: { platform: FCM, token: $t }) { id } }`,
    { t: `fcm-${randomBytes(8).toString('hex')}` },
    { token },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.registerPushToken.id as string;
};

beforeAll(async () => {
  graph = await startTestGraph();
  ownerToken = await graph.login();
  adminToken = await graph.login(DEMO.adminUser.email);
  // A member of the demo account, with a phone of their own.
  const prisma = graph.database.prisma;
  const email = `member-${randomBytes(4).toString('hex')}@example.test`;
  const password = 'correct horse battery staple 42';
  const member = await prisma.user.create({
    data: { accountId: DEMO.account.id, email, role: 'MEMBER', passwordHash: await hashPassword(password) },
  });
  await prisma.accountUser.create({ data: { userId: member.id, accountId: DEMO.account.id, email } });
  memberToken = await graph.login(email, password);
  registrations.owner = await register(ownerToken);
  registrations.member = await register(memberToken);
}, 120_000);
afterAll(() => graph?.stop());

const setPreferences = async (token: string, input: Record<string, unknown>) => {
  const result = await graph.request(
    `mutation($i: UpdatePushPreferencesInput!) { updatePushPreferences(input: $i) { marks deviceErrors deviceStatusChanges announcements updatedAt } }`,
    { i: input },
    { token },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.updatePushPreferences;
};

/** The push deliveries of a notification, by registration, once the member's (never muted here) exists. */
async function pushesOf(notificationId: string): Promise<Map<string, string>> {
  const prisma = graph.database.prisma;
  await expect
    .poll(() => prisma.notificationDelivery.count({ where: { notificationId, pushRegistrationId: registrations.member } }), {
      timeout: 30_000,
      interval: 100,
    })
    .toBe(1);
  // Every push delivery of a notification is written at once: the member's being there, the others are too.
  const rows = await prisma.notificationDelivery.findMany({ where: { notificationId, channel: 'PUSH' } });
  return new Map(rows.map((row) => [row.pushRegistrationId!, row.status]));
}

async function markNotification(): Promise<string> {
  const created = await graph.request(
    `mutation($d: ID!) { createDeviceMark(input: { deviceId: $d }) { id } }`,
    { d: DEMO.device.id },
    { token: adminToken },
  );
  expect(created.errors).toBeUndefined();
  const markId = created.data!.createDeviceMark.id as string;
  const prisma = graph.database.prisma;
  await expect.poll(() => prisma.notification.count({ where: { markId } }), { timeout: 30_000, interval: 100 }).toBe(1);
  return (await prisma.notification.findFirstOrThrow({ where: { markId } })).id;
}

async function announcement(): Promise<string> {
  const created = await graph.request(
    `mutation($a: ID!) { createNotification(input: { accountId: $a, title: "Maintenance", body: "Tonight." }) { id } }`,
    { a: DEMO.account.id },
    { token: adminToken },
  );
  expect(created.errors).toBeUndefined();
  return created.data!.createNotification.id as string;
}

describe('push preferences', () => {
  it('are every kind on by default, and each user changes only their own', async () => {
    const own = await graph.request(`{ me { id ${PREFERENCES} } }`, {}, { token: ownerToken });
    expect(own.errors).toBeUndefined();
    expect(own.data!.me.pushPreferences).toEqual({
      marks: true,
      deviceErrors: true,
      deviceStatusChanges: true,
      announcements: true,
      updatedAt: null,
    });
    const changed = await setPreferences(ownerToken, { marks: false, deviceStatusChanges: false });
    expect(changed).toMatchObject({ marks: false, deviceErrors: true, deviceStatusChanges: false, announcements: true });
    expect(changed.updatedAt).toEqual(expect.any(String));
    // Left out or null: unchanged.
    expect(await setPreferences(ownerToken, { deviceStatusChanges: true, announcements: null })).toMatchObject({
      marks: false,
      deviceStatusChanges: true,
      announcements: true,
    });
    const member = await graph.request(`{ me { ${PREFERENCES} } }`, {}, { token: memberToken });
    expect(member.data!.me.pushPreferences).toMatchObject({ marks: true, updatedAt: null });
    // Nobody reads another user's, the account's main user included.
    const users = await graph.request(
      `{ me { account { users(first: 10) { nodes { id email ${PREFERENCES} } } } } }`,
      {},
      { token: ownerToken },
    );
    expect(users.errors).toBeUndefined();
    const nodes = users.data!.me.account.users.nodes as { id: string; pushPreferences: unknown }[];
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    for (const node of nodes) expect(node.pushPreferences === null).toBe(node.id !== own.data!.me.id);
  });

  it('keep a kind a user turned off from their phones, and only theirs', async () => {
    // The owner turned marks off above.
    const mark = await pushesOf(await markNotification());
    expect(mark.get(registrations.member)).toBe('SKIPPED');
    expect(mark.has(registrations.owner)).toBe(false);
    const prisma = graph.database.prisma;
    expect(await prisma.notificationDelivery.count({ where: { pushRegistrationId: registrations.owner } })).toBe(0);

    // Other kinds still reach the owner.
    const announced = await pushesOf(await announcement());
    expect(announced.get(registrations.owner)).toBe('SKIPPED');
    expect(announced.get(registrations.member)).toBe('SKIPPED');

    // Back on: marks reach the owner again.
    await setPreferences(ownerToken, { marks: true });
    expect((await pushesOf(await markNotification())).get(registrations.owner)).toBe('SKIPPED');
  });

  it('go, with the phones, when the user leaves the account', async () => {
    const prisma = graph.database.prisma;
    const member = await prisma.pushRegistration.findUniqueOrThrow({ where: { id: registrations.member } });
    await setPreferences(memberToken, { announcements: false });
    const removed = await graph.request(
      `mutation($id: ID!) { removeMember(input: { userId: $id }) { removedUserId } }`,
      { id: member.userId },
      { token: ownerToken },
    );
    expect(removed.errors).toBeUndefined();
    await expect
      .poll(() => prisma.pushRegistration.count({ where: { userId: member.userId } }), { timeout: 30_000, interval: 100 })
      .toBe(0);
    expect(await prisma.pushPreference.count({ where: { userId: member.userId } })).toBe(0);
  });

  it('need a signed-in user', async () => {
    const result = await graph.request(`mutation { updatePushPreferences(input: { marks: false }) { marks } }`, {}, {});
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
