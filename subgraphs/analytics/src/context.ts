import { tenantScope, type RequestContext, type TenantScope } from '@iris/core';
import type { AnalyticsData } from './data/index.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { AnalysisService } from './services/analysis.js';

export interface Context extends RequestContext {
  scope: TenantScope;
  data: AnalyticsData;
  loaders: Loaders;
  analysis: AnalysisService;
}

export function createContextFactory(data: AnalyticsData, analysis: AnalysisService) {
  return (base: RequestContext): Context => {
    const scope = tenantScope(base.auth.principal);
    return { ...base, scope, data, loaders: createLoaders(data, scope), analysis };
  };
}
