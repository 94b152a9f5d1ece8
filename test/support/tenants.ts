import { randomUUID } from 'node:crypto';
import { hashPassword } from '@iris/identity';
import type { TestGraph } from './graph.js';

/**
 * A second, unrelated tenant: an activated account with a main user and a device. Written straight
 * to the database because the test is about what that tenant can see, not how it signed up.
 */
export async function createTenant(graph: TestGraph, name = 'Other Co') {
  const prisma = graph.database.prisma;
  const email = `${randomUUID().slice(0, 8)}@other.test`;
  const password = 'correct horse battery staple 42';
  const account = await prisma.account.create({ data: { name, email, active: true } });
  const user = await prisma.user.create({
    data: { accountId: account.id, email, role: 'MAIN', passwordHash: await hashPassword(password) },
  });
  // What identity's account.userAdded event would tell devices (this tenant skips identity's services).
  await prisma.accountUser.create({ data: { userId: user.id, accountId: account.id, email } });
  const device = await prisma.device.create({ data: { accountId: account.id, name: `${name} camera` } });
  return { account, user, device, email, password, token: await graph.login(email, password) };
}
