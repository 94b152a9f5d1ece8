import { tenantScope, type RequestContext, type TenantScope } from '@iris/core';
import type { AnalyticsData } from './data/index.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Services } from './services/index.js';

export interface Context extends RequestContext {
  scope: TenantScope;
  data: AnalyticsData;
  loaders: Loaders;
  services: Services;
}

export function createContextFactory(data: AnalyticsData, services: Services) {
  return (base: RequestContext): Context => {
    const scope = tenantScope(base.auth.principal);
    return { ...base, scope, data, loaders: createLoaders(data, scope), services };
  };
}
