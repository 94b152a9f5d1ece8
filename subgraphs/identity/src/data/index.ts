import type { ScopedClient } from '@iris/db';
import { createAccountsData } from './accounts.js';
import { createAppLinksData } from './appLinks.js';
import { createAppsData } from './apps.js';
import { createPlansData } from './plans.js';
import { createSessionsData } from './sessions.js';
import { createVerificationData } from './verification.js';

/** Identity's data layer: the only code of this subgraph that talks to Prisma. */
export function createIdentityData(prisma: ScopedClient<'identity'>) {
  return {
    accounts: createAccountsData(prisma),
    apps: createAppsData(prisma),
    appLinks: createAppLinksData(prisma),
    plans: createPlansData(prisma),
    sessions: createSessionsData(prisma),
    verification: createVerificationData(prisma),
  };
}

export type IdentityData = ReturnType<typeof createIdentityData>;
