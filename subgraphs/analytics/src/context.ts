import { tenantScope, type RequestContext, type TenantScope } from '@iris/core';
import type { ActionsData } from './data/actions.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Context extends RequestContext {
  scope: TenantScope;
  data: ActionsData;
  loaders: Loaders;
}

export function createContextFactory(data: ActionsData) {
  return (base: RequestContext): Context => {
    const scope = tenantScope(base.auth.principal);
    return { ...base, scope, data, loaders: createLoaders(data, scope) };
  };
}
