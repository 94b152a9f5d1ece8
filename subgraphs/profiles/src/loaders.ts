import { createRowLoader, type TenantScope } from '@iris/core';
import type { ProfileKey, ProfilesData } from './data/profiles.js';

/** Per-request loaders: every lookup by key in this subgraph batches through one of these. */
export function createLoaders(data: ProfilesData, scope: TenantScope) {
  return {
    profile: createRowLoader(
      (keys: readonly ProfileKey[]) => data.profilesByKeys(keys, scope),
      (row): ProfileKey => ({ appId: row.appId, deviceId: row.deviceId }),
      { cacheKey: (key) => `${key.appId}\u0000${key.deviceId}` },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
