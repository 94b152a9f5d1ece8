import { forbidden, unauthenticated } from '../errors.js';
import type { AuthState, Principal } from './principal.js';

/**
 * The accounts whose rows a request may read: its own, or every account for a service admin.
 * Data layers filter by it in SQL, so a row of another tenant is never loaded, let alone returned.
 */
export type TenantScope = { all: true } | { all: false; accountIds: readonly string[]; /** An API key sees its one app. */ appId?: string };

export function tenantScope(principal: Principal | null): TenantScope {
  if (!principal) return { all: false, accountIds: [] };
  if (principal.kind === 'app') return { all: false, accountIds: [principal.accountId], appId: principal.appId };
  if (principal.role === 'SERVICE_ADMIN') return { all: true };
  return { all: false, accountIds: [principal.accountId] };
}

/** A Prisma `where` fragment for rows keyed by app id: an API key's scope narrows them to its app. */
export function appScopeWhere(scope: TenantScope, field = 'appId'): Record<string, string> {
  return !scope.all && scope.appId ? { [field]: scope.appId } : {};
}

/** A Prisma `where` fragment restricting `accountId` to the scope. */
export function scopeWhere(scope: TenantScope): { accountId?: { in: string[] } } {
  return scope.all ? {} : { accountId: { in: [...scope.accountIds] } };
}

export function inScope(scope: TenantScope, accountId: string): boolean {
  return scope.all || scope.accountIds.includes(accountId);
}

/** The signed-in principal; resolvers behind the auth policy can rely on it being there. */
export function principalOf(auth: AuthState): Principal {
  if (!auth.principal) throw unauthenticated(auth.credentialError ?? undefined);
  return auth.principal;
}

/** Refuses a list of another tenant's rows (an `Account.devices` of an account that is not yours). */
export function requireInScope(scope: TenantScope, accountId: string): void {
  if (!inScope(scope, accountId)) throw forbidden('This belongs to another account.');
}
