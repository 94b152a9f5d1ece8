import { isUuid, paginate, requireInScope, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { OrderModel, OrderStatus, Prisma, ScopedClient, ScopedTransaction } from '@iris/db';

const ordersSort: Sort<OrderModel> = { name: 'order.id', keys: [{ field: 'id', direction: 'desc', type: 'uuid' }] };

/** Storage plans ("retentions"), their orders, and payment-provider events. */
export function createPlansData(prisma: ScopedClient<'identity'>) {
  const listOrders = (where: Prisma.OrderWhereInput, args: ConnectionArgs) =>
    paginate(args, {
      sort: ordersSort,
      fetch: (page) => prisma.order.findMany({ ...page, where: { ...where, ...page.where } }),
      count: () => prisma.order.count({ where }),
    });
  return {
    offeredPlans: () => prisma.retentionPlan.findMany({ where: { deletedAt: null }, orderBy: [{ priceCents: 'asc' }, { id: 'asc' }] }),

    plansByIds: (ids: readonly string[]) => prisma.retentionPlan.findMany({ where: { id: { in: [...ids] } } }),

    offeredPlan: (id: string) => (isUuid(id) ? prisma.retentionPlan.findFirst({ where: { id, deletedAt: null } }) : Promise.resolve(null)),

    createPlan: (row: Prisma.RetentionPlanCreateInput) => prisma.retentionPlan.create({ data: row }),

    withdrawPlan: async (id: string, now: Date) => {
      const withdrawn = await prisma.retentionPlan.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: now } });
      return withdrawn.count === 1 ? prisma.retentionPlan.findUnique({ where: { id } }) : null;
    },

    createOrder: (row: { accountId: string; planId: string; amountCents: number; currency: string }) => prisma.order.create({ data: row }),

    ordersByIds: (ids: readonly string[], scope: TenantScope) =>
      prisma.order.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope) } }),

    ordersOfAccount: (accountId: string, args: ConnectionArgs, scope: TenantScope) => {
      requireInScope(scope, accountId);
      return listOrders({ accountId }, args);
    },

    allOrders: (status: OrderStatus | null | undefined, args: ConnectionArgs) => listOrders(status ? { status } : {}, args),

    /**
     * Applies a payment event once: records it by the provider's event id and moves the order, all in
     * one transaction, with what a paid order implies (`paid`, its event). Returns the order, and
     * whether this delivery changed anything.
     */
    applyPaymentEvent: (
      event: { id: string; orderId: string; status: OrderStatus },
      paid?: (tx: ScopedTransaction<'identity'>, plan: { accountId: string; planId: string; retentionDays: number }) => Promise<unknown>,
    ) =>
      prisma.$transaction(async (tx) => {
        const order = await tx.order.findUnique({ where: { id: event.orderId } });
        if (!order) return { order: null, applied: false };
        const seen = await tx.paymentEvent.findUnique({ where: { id: event.id } });
        if (seen) return { order, applied: false };
        await tx.paymentEvent.create({ data: { id: event.id, orderId: order.id, status: event.status } });
        // Only a pending order moves; a late FAILED after PAID (or the reverse) is recorded, not applied.
        if (order.status !== 'PENDING') return { order, applied: false };
        const updated = await tx.order.update({ where: { id: order.id }, data: { status: event.status } });
        if (event.status === 'PAID') {
          await tx.account.update({ where: { id: order.accountId }, data: { retentionPlanId: order.planId } });
          const plan = await tx.retentionPlan.findUniqueOrThrow({ where: { id: order.planId } });
          await paid?.(tx, { accountId: order.accountId, planId: order.planId, retentionDays: plan.retentionDays });
        }
        return { order: updated, applied: true };
      }),
  };
}
