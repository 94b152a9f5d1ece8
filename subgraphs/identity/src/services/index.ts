import type { Config, Logger, TokenKeys } from '@iris/core';
import type { Outbox } from '@iris/db';
import type { IdentityData } from '../data/index.js';
import { createAccountsService } from './accounts.js';
import { createAppsService } from './apps.js';
import { createPlansService } from './plans.js';
import { createRevocationsService } from './revocations.js';
import { createOutboxSender, type VerificationSender } from './sender.js';
import { createSessionsService } from './sessions.js';
import { createVerificationService } from './verification.js';

export interface ServiceDeps {
  data: IdentityData;
  keys: TokenKeys;
  config: Config;
  /** Where the events of identity's writes go, in the writes' transactions. */
  outbox: Outbox;
  logger: Logger;
  clock: () => Date;
  sender?: VerificationSender;
}

/** Identity's business rules, built once per process and shared by every request. */
export function createServices(deps: ServiceDeps) {
  const { data, keys, config, outbox, clock } = deps;
  const sender = deps.sender ?? createOutboxSender(data, deps.logger, config.NODE_ENV === 'production');
  const verification = createVerificationService(data, sender, config, clock);
  const revocations = createRevocationsService(outbox, config, clock);
  const sessions = createSessionsService(data, keys, config, clock, revocations, outbox);
  return {
    verification,
    sessions,
    accounts: createAccountsService(data, verification, sessions, revocations, outbox),
    apps: createAppsService(data, keys, config, clock, revocations, outbox),
    plans: createPlansService(data, outbox, config, clock),
  };
}

export type Services = ReturnType<typeof createServices>;
