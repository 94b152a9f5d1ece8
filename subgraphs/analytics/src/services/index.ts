import type { BlobStorage, Logger } from '@iris/core';
import type { Outbox } from '@iris/db';
import type { AnalyticsData } from '../data/index.js';
import { createAnalysisService, type AnalysisOptions } from './analysis.js';

export interface ServiceDeps {
  data: AnalyticsData;
  storage: BlobStorage;
  /** Where the events of this subgraph's writes go, in the writes' transactions. */
  outbox: Outbox;
  logger: Logger;
  analysis: AnalysisOptions;
}

/** The analytics subgraph's rules, built once per process and shared by every request. */
export function createServices(deps: ServiceDeps) {
  return {
    analysis: createAnalysisService(deps.data, deps.storage, deps.outbox, deps.logger, deps.analysis),
  };
}

export type Services = ReturnType<typeof createServices>;
