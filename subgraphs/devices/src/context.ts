import { actingUserId, tenantScope, type RequestContext, type TenantScope } from '@iris/core';
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
    // An OAuth token sees what its consenting user sees, shares included; API keys see no shares.
    const userId = actingUserId(base.auth.principal);
    const visibility: Visibility = { scope, ...(userId ? { userId } : {}) };
    return { ...base, scope, visibility, data, loaders: createLoaders(data, visibility), services };
  };
}
