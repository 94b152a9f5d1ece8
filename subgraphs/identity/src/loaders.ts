import { createRowLoader, isUuid, type TenantScope } from '@iris/core';
import type { IdentityData } from './data/index.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: IdentityData, scope: TenantScope) {
  return {
    account: createRowLoader(
      (ids: readonly string[]) => data.accounts.accountsByIds(ids, scope),
      (row) => row.id,
      { validKey: isUuid },
    ),
    user: createRowLoader(
      (ids: readonly string[]) => data.accounts.usersByIds(ids, scope),
      (row) => row.id,
      { validKey: isUuid },
    ),
    app: createRowLoader(
      (ids: readonly string[]) => data.apps.appsByIds(ids, scope),
      (row) => row.id,
    ),
    apiKey: createRowLoader(
      (ids: readonly string[]) => data.apps.apiKeysByIds(ids, scope),
      (row) => row.id,
      { validKey: isUuid },
    ),
    order: createRowLoader(
      (ids: readonly string[]) => data.plans.ordersByIds(ids, scope),
      (row) => row.id,
      { validKey: isUuid },
    ),
    // Plans are public offer data: no tenant filter.
    plan: createRowLoader(
      (ids: readonly string[]) => data.plans.plansByIds(ids),
      (row) => row.id,
      { validKey: isUuid },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
