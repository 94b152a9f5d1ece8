import { DEMO } from '@iris/core';
import type { ScopedClient } from '@iris/db';

/** A mode that wants at least one face, so a portrait uploaded to the demo device makes a mark. */
export const DEMO_MODE_ID = '0190a000-0000-7000-8000-000000000501';

/** The demo account's device group with one device in it, on the demo mode. */
export async function seedDevices(prisma: ScopedClient<'devices'>): Promise<void> {
  // The demo users as identity seeds them (the seed publishes no events), so they can be shared with.
  for (const [user, account] of [
    [DEMO.mainUser, DEMO.account],
    [DEMO.adminUser, DEMO.adminAccount],
  ] as const) {
    await prisma.accountUser.upsert({
      where: { userId: user.id },
      update: {},
      create: { userId: user.id, accountId: account.id, email: user.email },
    });
  }
  await prisma.deviceMode.upsert({
    where: { id: DEMO_MODE_ID },
    update: {},
    create: {
      id: DEMO_MODE_ID,
      name: 'Any face',
      description: 'At least one face with a detection score of 0.5 or more.',
      minFaces: 1,
      minScore: 0.5,
    },
  });
  await prisma.deviceGroup.upsert({
    where: { id: DEMO.deviceGroup.id },
    update: {},
    create: { id: DEMO.deviceGroup.id, accountId: DEMO.account.id, name: DEMO.deviceGroup.name },
  });
  await prisma.device.upsert({
    where: { id: DEMO.device.id },
    update: {},
    create: {
      ...DEMO.device,
      accountId: DEMO.account.id,
      groupId: DEMO.deviceGroup.id,
      modeId: DEMO_MODE_ID,
      attributes: { resolutions: [{ width: 1920, height: 1080 }], frameRates: [15, 30], sensorType: 'CMOS' },
    },
  });
}
