import type { EventBus } from '@iris/core';
import type { ProfilesData } from '../data/profiles.js';
import { createErasureService } from './erasure.js';
import { createProfilesService } from './profiles.js';

export interface ServiceDeps {
  data: ProfilesData;
  bus: EventBus;
  /** How long an erasure waits for the other subgraphs' reports before answering with them pending. */
  erasureWaitMs: number;
}

/** The profiles subgraph's rules, built once per process and shared by every request. */
export function createServices(deps: ServiceDeps) {
  const { data, bus } = deps;
  return {
    profiles: createProfilesService(data, bus),
    erasure: createErasureService(data, bus, { waitMs: deps.erasureWaitMs }),
  };
}

export type Services = ReturnType<typeof createServices>;
