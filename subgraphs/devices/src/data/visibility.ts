import { scopeWhere, type TenantScope } from '@iris/core';
import { Prisma, uuidArray } from '@iris/db';

/**
 * What a request may see in this subgraph: its tenant's rows, and what other accounts shared with
 * its user (a group shares its devices). Writes never use this: only the owning tenant changes rows.
 */
export interface Visibility {
  scope: TenantScope;
  /** The user the request acts for (signed in, or consenting to an OAuth token), for shares; absent for API and app keys. */
  userId?: string;
}

export function visibleDevice(v: Visibility): Prisma.DeviceWhereInput {
  if (v.scope.all) return {};
  const own: Prisma.DeviceWhereInput = scopeWhere(v.scope);
  if (!v.userId) return own;
  return { OR: [own, { shares: { some: { userId: v.userId } } }, { group: { shares: { some: { userId: v.userId } } } }] };
}

/**
 * `visibleDevice` as a SQL condition on the device row `device` (a table alias), for the hot reads
 * written as SQL: the same rule, row for row (the devices end-to-end tests hold both to it).
 */
export function visibleDeviceSql(v: Visibility, device: string): Prisma.Sql {
  if (v.scope.all) return Prisma.sql`TRUE`;
  const alias = Prisma.raw(device);
  const own = v.scope.accountIds.length > 0 ? Prisma.sql`${alias}."accountId" = ANY(${uuidArray(v.scope.accountIds)})` : Prisma.sql`FALSE`;
  if (!v.userId) return own;
  return Prisma.sql`(${own}
    OR EXISTS (SELECT 1 FROM devices."DeviceShare" share WHERE share."deviceId" = ${alias}.id AND share."userId" = ${v.userId}::uuid)
    OR EXISTS (SELECT 1 FROM devices."DeviceGroupShare" share WHERE share."groupId" = ${alias}."groupId" AND share."userId" = ${v.userId}::uuid))`;
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
