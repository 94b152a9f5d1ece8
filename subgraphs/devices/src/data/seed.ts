import { DEMO } from '@iris/core';
import type { Db } from '@iris/db';

/** The demo account's device group with one device in it. */
export async function seedDevices(prisma: Db): Promise<void> {
  await prisma.deviceGroup.upsert({
    where: { id: DEMO.deviceGroup.id },
    update: {},
    create: { id: DEMO.deviceGroup.id, accountId: DEMO.account.id, name: DEMO.deviceGroup.name },
  });
  await prisma.device.upsert({
    where: { id: DEMO.device.id },
    update: {},
    create: { ...DEMO.device, accountId: DEMO.account.id, groupId: DEMO.deviceGroup.id },
  });
}
