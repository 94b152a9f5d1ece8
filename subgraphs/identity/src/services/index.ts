import type { Config, EventBus, Logger, TokenKeys } from '@iris/core';
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
  bus: EventBus;
  logger: Logger;
  clock: () => Date;
  sender?: VerificationSender;
}

/** Identity's business rules, built once per process and shared by every request. */
export function createServices(deps: ServiceDeps) {
  const { data, keys, config, bus, clock } = deps;
  const sender = deps.sender ?? createOutboxSender(data, deps.logger, config.NODE_ENV === 'production');
  const verification = createVerificationService(data, sender, config, clock);
  const revocations = createRevocationsService(bus, config, clock, deps.logger);
  const sessions = createSessionsService(data, keys, config, clock, revocations);
  return {
    verification,
    sessions,
    accounts: createAccountsService(data, verification, sessions, revocations, bus),
    apps: createAppsService(data, keys, config, clock, revocations),
    plans: createPlansService(data, bus, config, clock),
  };
}

export type Services = ReturnType<typeof createServices>;
