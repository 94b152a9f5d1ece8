import { DEMO } from '@iris/core';
import { STARTUP_TRANSACTION, type ScopedClient } from '@iris/db';
import { hashPassword } from '../services/passwords.js';

const PLANS = [
  { id: '0190a000-0000-7000-8000-000000000401', name: 'Basic', retentionDays: 7, storageGb: 10, priceCents: 0, currency: 'USD' },
  { id: '0190a000-0000-7000-8000-000000000402', name: 'Standard', retentionDays: 30, storageGb: 100, priceCents: 999, currency: 'USD' },
  { id: '0190a000-0000-7000-8000-000000000403', name: 'Pro', retentionDays: 90, storageGb: 1000, priceCents: 4999, currency: 'USD' },
];

/** The demo account with its main user and app, a service admin, and the storage plans on offer (see the README). */
export async function seedIdentity(prisma: ScopedClient<'identity'>): Promise<void> {
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
      create: {
        id: DEMO.app.id,
        accountId: DEMO.account.id,
        name: DEMO.app.name,
        platform: 'ANDROID',
        kind: 'TRIAL',
        redirectUris: ['http://localhost:3000/callback'],
      },
    });
    for (const plan of PLANS) await tx.retentionPlan.upsert({ where: { id: plan.id }, update: {}, create: plan });
  }, STARTUP_TRANSACTION);
}
