import { tenantScope, type EventBus, type RequestContext, type TenantScope } from '@iris/core';
import type { DevicesData } from './data/devices.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Context extends RequestContext {
  scope: TenantScope;
  data: DevicesData;
  loaders: Loaders;
  bus: EventBus;
}

export function createContextFactory(data: DevicesData, bus: EventBus) {
  return (base: RequestContext): Context => {
    const scope = tenantScope(base.auth.principal);
    return { ...base, scope, data, loaders: createLoaders(data, scope), bus };
  };
}
