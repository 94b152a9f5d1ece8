import { scopeWhere, type TenantScope } from '@iris/core';
import type { Prisma } from '@iris/db';

/**
 * What a request may see in this subgraph: its tenant's rows, and what other accounts shared with
 * its user (a group shares its devices). Writes never use this: only the owning tenant changes rows.
 */
export interface Visibility {
  scope: TenantScope;
  /** The signed-in user, for shares; absent for API keys. */
  userId?: string;
}

export function visibleDevice(v: Visibility): Prisma.DeviceWhereInput {
  if (v.scope.all) return {};
  const own: Prisma.DeviceWhereInput = scopeWhere(v.scope);
  if (!v.userId) return own;
  return { OR: [own, { shares: { some: { userId: v.userId } } }, { group: { shares: { some: { userId: v.userId } } } }] };
}

export function visibleGroup(v: Visibility): Prisma.DeviceGroupWhereInput {
  if (v.scope.all) return {};
  const own: Prisma.DeviceGroupWhereInput = scopeWhere(v.scope);
  return v.userId ? { OR: [own, { shares: { some: { userId: v.userId } } }] } : own;
}

export function visibleMark(v: Visibility): Prisma.DeviceMarkWhereInput {
  if (v.scope.all) return {};
  const own: Prisma.DeviceMarkWhereInput = scopeWhere(v.scope);
  return v.userId ? { OR: [own, { device: visibleDevice(v) }] } : own;
}

/** Rows the tenant owns (what it may change). */
export const owned = (scope: TenantScope) => scopeWhere(scope);
