import { createRowLoader, type TenantScope } from '@iris/core';
import type { IdentityData } from './data/index.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: IdentityData, scope: TenantScope) {
  return {
    account: createRowLoader((ids: readonly string[]) => data.accountsByIds(ids, scope), (row) => row.id),
    user: createRowLoader((ids: readonly string[]) => data.usersByIds(ids, scope), (row) => row.id),
    app: createRowLoader((ids: readonly string[]) => data.appsByIds(ids, scope), (row) => row.id),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
