import type { BlobStorage, EventBus, Logger } from '@iris/core';
import type { AnalyticsData } from '../data/index.js';
import { createAnalysisService, type AnalysisOptions } from './analysis.js';

export interface ServiceDeps {
  data: AnalyticsData;
  storage: BlobStorage;
  bus: EventBus;
  logger: Logger;
  analysis: AnalysisOptions;
}

/** The analytics subgraph's rules, built once per process and shared by every request. */
export function createServices(deps: ServiceDeps) {
  return {
    analysis: createAnalysisService(deps.data, deps.storage, deps.bus, deps.logger, deps.analysis),
  };
}

export type Services = ReturnType<typeof createServices>;
