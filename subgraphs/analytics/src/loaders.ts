import { createRowLoader, type TenantScope } from '@iris/core';
import type { ActionsData } from './data/actions.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: ActionsData, scope: TenantScope) {
  return {
    action: createRowLoader((ids: readonly string[]) => data.actionsByIds(ids, scope), (row) => row.id),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
