import { tenantScope, type Principal, type RequestContext, type TenantScope } from '@iris/core';
import type { IdentityData } from './data/index.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Services } from './services/index.js';

export interface Context extends RequestContext {
  scope: TenantScope;
  data: IdentityData;
  loaders: Loaders;
  services: Services;
}

/**
 * After a sign-in, the rest of the response is read as the user who just signed in (so
 * `login { user { account { name } } }` works without a token on the request).
 */
export function actAs(context: Context, user: { id: string; accountId: string; role: 'MAIN' | 'MEMBER' | 'SERVICE_ADMIN' }): void {
  readAs(context, { kind: 'user', userId: user.id, accountId: user.accountId, role: user.role });
}

/**
 * The rest of the response is read as `principal`: after an OAuth exchange, as the app with the scopes
 * its user consented to, so the exchange's own answer reaches no further than the token it returns.
 */
export function readAs(context: Context, principal: Principal): void {
  context.auth = { principal, credentialError: null };
  context.scope = tenantScope(principal);
  context.loaders = createLoaders(context.data, context.scope);
}

export function createContextFactory(data: IdentityData, services: Services) {
  return (base: RequestContext): Context => {
    const scope = tenantScope(base.auth.principal);
    return { ...base, scope, data, loaders: createLoaders(data, scope), services };
  };
}
