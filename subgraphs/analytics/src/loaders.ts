import { createRowLoader, isUuid, type TenantScope } from '@iris/core';
import type { AnalyticsData } from './data/index.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: AnalyticsData, scope: TenantScope) {
  return {
    action: createRowLoader((ids: readonly string[]) => data.actions.actionsByIds(ids, scope), (row) => row.id, { validKey: isUuid }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
