import { DEMO } from '@iris/core';
import type { Db } from '@iris/db';
import { hashPassword } from './passwords.js';

/** The demo account with its main user and app, and a service admin (see the README). */
export async function seedIdentity(prisma: Db): Promise<void> {
  const passwordHash = await hashPassword(DEMO.password);
  await prisma.$transaction(async (tx) => {
    for (const [account, user, role] of [
      [DEMO.account, DEMO.mainUser, 'MAIN'],
      [DEMO.adminAccount, DEMO.adminUser, 'SERVICE_ADMIN'],
    ] as const) {
      await tx.account.upsert({
        where: { id: account.id },
        update: {},
        create: { id: account.id, name: account.name, email: account.email, active: true },
      });
      await tx.user.upsert({
        where: { id: user.id },
        update: {},
        create: { id: user.id, accountId: account.id, email: user.email, displayName: user.displayName, role, passwordHash },
      });
    }
    await tx.app.upsert({
      where: { id: DEMO.app.id },
      update: {},
      create: { id: DEMO.app.id, accountId: DEMO.account.id, name: DEMO.app.name, platform: 'ANDROID', kind: 'TRIAL' },
    });
  });
}
