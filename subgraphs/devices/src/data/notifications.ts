import { isUuid, paginate, type ConnectionArgs, type Sort } from '@iris/core';
import type { NotificationModel, Prisma, ScopedClient, ScopedTransaction } from '@iris/db';

const notificationsSort: Sort<NotificationModel> = { name: 'notification.id', keys: [{ field: 'id', direction: 'desc', type: 'uuid' }] };

/** Notifications of marks, device errors and status changes, and announcements. */
export function createNotificationsData(prisma: ScopedClient<'devices'>) {
  return {
    notificationsByIds: (ids: readonly string[], accountScope: Prisma.NotificationWhereInput) =>
      prisma.notification.findMany({ where: { id: { in: [...ids] }, ...accountScope } }),

    notificationsOf: (accountScope: Prisma.NotificationWhereInput, unsentOnly: boolean, args: ConnectionArgs) => {
      const where = { ...accountScope, ...(unsentOnly ? { sentAt: null } : {}) };
      return paginate(args, {
        sort: notificationsSort,
        fetch: (page) => prisma.notification.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.notification.count({ where }),
      });
    },

    unsentSince: (accountId: string, since: Date) =>
      isUuid(accountId)
        ? prisma.notification.findMany({ where: { accountId, sentAt: null, createdAt: { gte: since } }, orderBy: { id: 'asc' } })
        : Promise.resolve([]),

    create: (data: Prisma.NotificationUncheckedCreateInput, tx: ScopedTransaction<'devices'> = prisma) => tx.notification.create({ data }),
    update: (id: string, data: Prisma.NotificationUpdateInput) => prisma.notification.update({ where: { id }, data }),
    delete: async (id: string) => (await prisma.notification.deleteMany({ where: { id } })).count === 1,

    markSent: async (ids: readonly string[], accountScope: Prisma.NotificationWhereInput, now: Date) => {
      await prisma.notification.updateMany({ where: { id: { in: [...ids] }, ...accountScope, sentAt: null }, data: { sentAt: now } });
      return prisma.notification.findMany({ where: { id: { in: [...ids] }, ...accountScope }, orderBy: { id: 'asc' } });
    },
  };
}

export type NotificationsData = ReturnType<typeof createNotificationsData>;
