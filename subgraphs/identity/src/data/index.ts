import type { Db } from '@iris/db';
import { createAccountsData } from './accounts.js';
import { createAppsData } from './apps.js';

/** Identity's data layer: the only code of this subgraph that talks to Prisma. */
export function createIdentityData(prisma: Db) {
  return { ...createAccountsData(prisma), ...createAppsData(prisma) };
}

export type IdentityData = ReturnType<typeof createIdentityData>;
