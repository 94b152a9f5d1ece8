import type { Outbox } from '@iris/db';
import type { ProfilesData } from '../data/profiles.js';
import { createErasureService } from './erasure.js';
import { createProfilesService } from './profiles.js';

export interface ServiceDeps {
  data: ProfilesData;
  /** Where the events of this subgraph's writes go, in the writes' transactions. */
  outbox: Outbox;
  /** How long an erasure waits for the other subgraphs' reports before answering with them pending. */
  erasureWaitMs: number;
}

/** The profiles subgraph's rules, built once per process and shared by every request. */
export function createServices(deps: ServiceDeps) {
  const { data, outbox } = deps;
  return {
    profiles: createProfilesService(data, outbox),
    erasure: createErasureService(data, outbox, { waitMs: deps.erasureWaitMs }),
  };
}

export type Services = ReturnType<typeof createServices>;
