import { DEMO } from '@iris/core';
import type { ScopedClient } from '@iris/db';

const DEMO_ACTION_ID = '0190a000-0000-7000-8000-000000000301';

/** The demo device's first activity-log entry. */
export async function seedAnalytics(prisma: ScopedClient<'analytics'>): Promise<void> {
  await prisma.action.upsert({
    where: { id: DEMO_ACTION_ID },
    update: {},
    create: { id: DEMO_ACTION_ID, accountId: DEMO.account.id, deviceId: DEMO.device.id, kind: 'DEVICE_ADDED' },
  });
}
