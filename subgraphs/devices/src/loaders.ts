import { createRowLoader, type TenantScope } from '@iris/core';
import type { DevicesData } from './data/devices.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: DevicesData, scope: TenantScope) {
  return {
    device: createRowLoader((ids: readonly string[]) => data.devicesByIds(ids, scope), (row) => row.id),
    deviceGroup: createRowLoader((ids: readonly string[]) => data.groupsByIds(ids, scope), (row) => row.id),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
