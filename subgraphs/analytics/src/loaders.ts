import { createRowLoader, isUuid, type TenantScope } from '@iris/core';
import type { AnalyticsData } from './data/index.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: AnalyticsData, scope: TenantScope) {
  return {
    action: createRowLoader((ids: readonly string[]) => data.actions.actionsByIds(ids, scope), (row) => row.id, { validKey: isUuid }),
    analysis: createRowLoader((ids: readonly string[]) => data.analyses.analysesByIds(ids, scope), (row) => row.id, { validKey: isUuid }),
    analysisByData: createRowLoader((ids: readonly string[]) => data.analyses.analysesByDataIds(ids, scope), (row) => row.dataId!, { validKey: isUuid }),
    jobByData: createRowLoader((ids: readonly string[]) => data.analyses.jobsByDataIds(ids, scope), (row) => row.dataId, { validKey: isUuid }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
