import { forbidden, unauthenticated } from '../errors.js';
import type { AuthState, Principal } from './principal.js';

/**
 * The accounts whose rows a request may read: its own, or every account for a service admin.
 * Data layers filter by it in SQL, so a row of another tenant is never loaded, let alone returned.
 */
export type TenantScope =
  | { all: true }
  | {
      all: false;
      accountIds: readonly string[];
      /** An app credential sees its one app. */
      appId?: string;
      /** An OAuth token sees one user of its account: the one who consented. */
      userId?: string;
    };

export function tenantScope(principal: Principal | null): TenantScope {
  if (!principal) return { all: false, accountIds: [] };
  // An app never reaches across accounts, whoever consented to it: an OAuth token of a service admin
  // sees that admin's own account, not every account.
  if (principal.kind === 'app') {
    return {
      all: false,
      accountIds: [principal.accountId],
      appId: principal.appId,
      ...(principal.userId ? { userId: principal.userId } : {}),
    };
  }
  if (principal.role === 'SERVICE_ADMIN') return { all: true };
  return { all: false, accountIds: [principal.accountId] };
}

/**
 * The user a request acts for: the signed-in user, or the user who consented to an OAuth token. What
 * other accounts shared with that user is visible to the request; an API key or app key acts for no user.
 */
export function actingUserId(principal: Principal | null): string | undefined {
  return principal?.userId;
}

/** A Prisma `where` fragment for rows keyed by app id: an API key's scope narrows them to its app. */
export function appScopeWhere(scope: TenantScope, field = 'appId'): Record<string, string> {
  return !scope.all && scope.appId ? { [field]: scope.appId } : {};
}

/** Ids of users the scope may read: all of its accounts' users, or an OAuth token's own user only. */
export function visibleUserIds(scope: TenantScope, ids: readonly string[]): readonly string[] {
  return !scope.all && scope.userId ? ids.filter((id) => id === scope.userId) : ids;
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
