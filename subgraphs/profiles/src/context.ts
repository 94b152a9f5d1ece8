import { tenantScope, type RequestContext, type TenantScope } from '@iris/core';
import type { ProfilesData } from './data/profiles.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Services } from './services/index.js';

export interface Context extends RequestContext {
  scope: TenantScope;
  data: ProfilesData;
  loaders: Loaders;
  services: Services;
}

export function createContextFactory(data: ProfilesData, services: Context['services']) {
  return (base: RequestContext): Context => {
    const scope = tenantScope(base.auth.principal);
    return { ...base, scope, data, loaders: createLoaders(data, scope), services };
  };
}
