import type { Outbox } from '@iris/db';
import type { ProfilesData } from '../data/profiles.js';
import { createAppVisibilityService } from './appVisibility.js';
import { createErasureService } from './erasure.js';
import { createProfilesService } from './profiles.js';

export interface ServiceDeps {
  data: ProfilesData;
  /** Where the events of this subgraph's writes go, in the writes' transactions. */
  outbox: Outbox;
  /** How long an erasure waits for the other subgraphs' reports before answering with them pending. */
  erasureWaitMs: number;
  /**
   * Resolves once the events this process is delivering have been handled (or after a short bound): an
   * app unknown to profiles is looked for again after it, as identity's link may be on its way.
   */
  replicationSettled: () => Promise<void>;
}

/** The profiles subgraph's rules, built once per process and shared by every request. */
export function createServices(deps: ServiceDeps) {
  const { data, outbox } = deps;
  const apps = createAppVisibilityService(data, deps.replicationSettled);
  return {
    apps,
    profiles: createProfilesService(data, outbox, apps),
    erasure: createErasureService(data, outbox, apps, { waitMs: deps.erasureWaitMs }),
  };
}

export type Services = ReturnType<typeof createServices>;
