import type { Config, EventBus, Logger, TokenKeys } from '@iris/core';
import type { IdentityData } from '../data/index.js';
import { createAccounts } from './accounts.js';
import { createApps } from './apps.js';
import { createPlans } from './plans.js';
import { createRevocations } from './revocations.js';
import { createOutboxSender, type VerificationSender } from './sender.js';
import { createSessions } from './sessions.js';
import { createVerification } from './verification.js';

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
  const verification = createVerification(data, sender, config, clock);
  const revocations = createRevocations(bus, config, clock, deps.logger);
  const sessions = createSessions(data, keys, config, clock, revocations);
  return {
    verification,
    sessions,
    accounts: createAccounts(data, verification, sessions, revocations, bus),
    apps: createApps(data, keys, config, clock, revocations),
    plans: createPlans(data, bus, config, clock),
  };
}

export type Services = ReturnType<typeof createServices>;
