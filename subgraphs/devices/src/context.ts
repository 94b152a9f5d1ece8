import { tenantScope, type RequestContext, type TenantScope } from '@iris/core';
import type { DevicesSubgraphData } from './data/index.js';
import type { Visibility } from './data/visibility.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Services } from './services/index.js';

export interface Context extends RequestContext {
  scope: TenantScope;
  visibility: Visibility;
  data: DevicesSubgraphData;
  loaders: Loaders;
  services: Services;
}

export function createContextFactory(data: DevicesSubgraphData, services: Services) {
  return (base: RequestContext): Context => {
    const scope = tenantScope(base.auth.principal);
    const principal = base.auth.principal;
    const visibility: Visibility = { scope, ...(principal?.kind === 'user' ? { userId: principal.userId } : {}) };
    return { ...base, scope, visibility, data, loaders: createLoaders(data, visibility), services };
  };
}
