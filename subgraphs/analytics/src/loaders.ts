import { createRowLoader, isUuid, type TenantScope } from '@iris/core';
import type { AnalyticsData } from './data/index.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: AnalyticsData, scope: TenantScope) {
  return {
    action: createRowLoader(
      (ids: readonly string[]) => data.actions.actionsByIds(ids, scope),
      (row) => row.id,
      { validKey: isUuid },
    ),
    /** By id, and by capture: with the full faces, or with their summary (`faceDetailOf` says which a field needs). */
    analysis: {
      full: createRowLoader(
        (ids: readonly string[]) => data.analyses.analysesByIds(ids, scope, 'full'),
        (row) => row.id,
        { validKey: isUuid },
      ),
      summary: createRowLoader(
        (ids: readonly string[]) => data.analyses.analysesByIds(ids, scope, 'summary'),
        (row) => row.id,
        { validKey: isUuid },
      ),
    },
    analysisByCapture: {
      full: createRowLoader(
        (ids: readonly string[]) => data.analyses.analysesByCaptureIds(ids, scope, 'full'),
        (row) => row.dataId!,
        { validKey: isUuid },
      ),
      summary: createRowLoader(
        (ids: readonly string[]) => data.analyses.analysesByCaptureIds(ids, scope, 'summary'),
        (row) => row.dataId!,
        { validKey: isUuid },
      ),
    },
    jobByCapture: createRowLoader(
      (ids: readonly string[]) => data.analyses.jobsByCaptureIds(ids, scope),
      (row) => row.dataId,
      { validKey: isUuid },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
