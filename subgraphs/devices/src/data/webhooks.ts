import { isUuid, paginate, type ConnectionArgs, type Sort } from '@iris/core';
import {
  modelColumns,
  Prisma,
  type NotificationDeliveryModel,
  type NotificationType,
  type ScopedClient,
  type WebhookEndpointModel,
} from '@iris/db';

const endpointsSort: Sort<WebhookEndpointModel> = { name: 'webhookEndpoint.id', keys: [{ field: 'id', direction: 'asc', type: 'uuid' }] };
const deliveriesSort: Sort<NotificationDeliveryModel> = {
  name: 'webhookDelivery.id',
  keys: [{ field: 'id', direction: 'desc', type: 'uuid' }],
};

const replayed = (now: Date) => ({ status: 'PENDING' as const, attempts: 0, nextAttemptAt: now, lastError: null });

/** What the worker records after one attempt of a delivery. */
export interface AttemptOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'DEAD' | 'SKIPPED';
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  nextAttemptAt: Date | null;
  at: Date;
}

/** Webhook endpoints, and the deliveries (webhook and push) with their attempts. */
export function createWebhooksData(prisma: ScopedClient<'devices'>) {
  return {
    endpointsOf: (accountId: string, args: ConnectionArgs) =>
      paginate(args, {
        sort: endpointsSort,
        fetch: (page) => prisma.webhookEndpoint.findMany({ ...page, where: { AND: [{ accountId }, page.where ?? {}] } }),
        count: () => prisma.webhookEndpoint.count({ where: { accountId } }),
      }),

    /** An endpoint of one of `accountIds` (every account when null), or null. */
    endpoint: (id: string, accountIds: readonly string[] | null) =>
      isUuid(id)
        ? prisma.webhookEndpoint.findFirst({ where: { id, ...(accountIds ? { accountId: { in: [...accountIds] } } : {}) } })
        : Promise.resolve(null),

    countEndpoints: (accountId: string) => prisma.webhookEndpoint.count({ where: { accountId } }),
    createEndpoint: (data: Prisma.WebhookEndpointUncheckedCreateInput) => prisma.webhookEndpoint.create({ data }),
    updateEndpoint: (id: string, data: Prisma.WebhookEndpointUpdateInput) => prisma.webhookEndpoint.update({ where: { id }, data }),
    /** Endpoints whose stored secret does not start with `prefix` (plaintext, or under an earlier key), by id after `afterId`. */
    secretsWithout: (prefix: string, afterId: string | null, limit: number) =>
      prisma.webhookEndpoint.findMany({
        where: { NOT: { secret: { startsWith: prefix } }, ...(afterId ? { id: { gt: afterId } } : {}) },
        select: { id: true, accountId: true, secret: true, updatedAt: true },
        orderBy: { id: 'asc' },
        take: limit,
      }),

    /**
     * The stored form of an endpoint's secret replaced (the same secret, encrypted anew), unless the secret
     * changed meanwhile (rotated by another request); `updatedAt` is kept, since nothing the account sees changed.
     */
    restoreSecret: async (row: { id: string; secret: string; updatedAt: Date }, stored: string) =>
      (
        await prisma.webhookEndpoint.updateMany({
          where: { id: row.id, secret: row.secret },
          data: { secret: stored, updatedAt: row.updatedAt },
        })
      ).count === 1,

    /** Its deliveries and their attempts go with it (foreign keys cascade), in the same statement. */
    deleteEndpoint: async (id: string) => (await prisma.webhookEndpoint.deleteMany({ where: { id } })).count === 1,

    /** The enabled endpoints of an account that take notifications of `type` (an empty list takes every type). */
    endpointsFor: (accountId: string, type: NotificationType) =>
      prisma.webhookEndpoint.findMany({
        where: { accountId, enabled: true, OR: [{ eventTypes: { isEmpty: true } }, { eventTypes: { has: type } }] },
        orderBy: { id: 'asc' },
      }),

    /** New deliveries; one the same notification already has for the same target is skipped (events come at least once). */
    createDeliveries: (rows: Prisma.NotificationDeliveryCreateManyInput[]) =>
      rows.length === 0 ? Promise.resolve({ count: 0 }) : prisma.notificationDelivery.createMany({ data: rows, skipDuplicates: true }),
    createDelivery: (data: Prisma.NotificationDeliveryUncheckedCreateInput) => prisma.notificationDelivery.create({ data }),

    deliveriesOf: (endpointId: string, status: NotificationDeliveryModel['status'] | null | undefined, args: ConnectionArgs) => {
      const where: Prisma.NotificationDeliveryWhereInput = { endpointId, ...(status ? { status } : {}) };
      return paginate(args, {
        sort: deliveriesSort,
        fetch: (page) => prisma.notificationDelivery.findMany({ ...page, where: { AND: [where, page.where ?? {}] } }),
        count: () => prisma.notificationDelivery.count({ where }),
      });
    },

    /** A webhook delivery of one of `accountIds` (every account when null), or null. */
    webhookDelivery: (id: string, accountIds: readonly string[] | null) =>
      isUuid(id)
        ? prisma.notificationDelivery.findFirst({
            where: { id, channel: 'WEBHOOK', ...(accountIds ? { accountId: { in: [...accountIds] } } : {}) },
          })
        : Promise.resolve(null),

    attemptsOf: (deliveryIds: readonly string[]) =>
      prisma.notificationDeliveryAttempt.findMany({
        where: { deliveryId: { in: [...deliveryIds] } },
        orderBy: [{ deliveryId: 'asc' }, { number: 'asc' }],
      }),

    deliveriesByIds: (ids: readonly string[]) => prisma.notificationDelivery.findMany({ where: { id: { in: [...ids] } } }),

    /**
     * Claims up to `limit` deliveries that are due, by moving their next attempt `leaseMs` ahead: other
     * workers (other instances) skip them meanwhile, and a worker that dies mid-attempt leaves them to be
     * claimed again when the lease ends. One statement, so no transaction stays open during the POST;
     * `SKIP LOCKED` keeps concurrent claimers off each other's rows instead of waiting on them.
     */
    claimDue: (now: Date, leaseMs: number, limit: number) =>
      prisma.$queryRaw<NotificationDeliveryModel[]>`
        UPDATE devices."NotificationDelivery" d SET "nextAttemptAt" = ${new Date(now.getTime() + leaseMs)}, "updatedAt" = ${now}
        WHERE d.id IN (
          SELECT id FROM devices."NotificationDelivery"
          WHERE status IN ('PENDING', 'FAILED') AND "nextAttemptAt" <= ${now}
          ORDER BY "nextAttemptAt" LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING ${modelColumns(Prisma.NotificationDeliveryScalarFieldEnum, 'd')}`,

    /**
     * The attempt and the delivery's new state, together. Attempts are numbered across replays (the log
     * keeps them all), while `attempts` counts those of the current round, which the retry schedule follows.
     * Background work: it may wait longer for a connection than a request would (one connection on PGlite).
     */
    recordAttempt: (deliveryId: string, outcome: AttemptOutcome) =>
      prisma.$transaction(
        async (tx) => {
          const number = (await tx.notificationDeliveryAttempt.count({ where: { deliveryId } })) + 1;
          await tx.notificationDeliveryAttempt.create({
            data: {
              deliveryId,
              number,
              statusCode: outcome.statusCode,
              error: outcome.error,
              durationMs: outcome.durationMs,
              createdAt: outcome.at,
            },
          });
          return tx.notificationDelivery.update({
            where: { id: deliveryId },
            data: {
              status: outcome.status,
              attempts: { increment: 1 },
              nextAttemptAt: outcome.nextAttemptAt,
              lastStatusCode: outcome.statusCode,
              lastError: outcome.error,
              ...(outcome.status === 'SUCCEEDED' ? { deliveredAt: outcome.at } : {}),
            },
          });
        },
        { maxWait: 15_000, timeout: 15_000 },
      ),

    /** Ends a delivery without an attempt: SKIPPED (no provider) or DEAD (its endpoint was disabled), with why. */
    settle: (id: string, status: 'SKIPPED' | 'DEAD', reason: string) =>
      prisma.notificationDelivery.updateMany({ where: { id }, data: { status, lastError: reason, nextAttemptAt: null } }),

    /**
     * Due again now, in a new round of the retry schedule; earlier attempts stay in the log. Only a
     * finished delivery (succeeded or dead) is replayed: one still in its schedule is left alone.
     */
    replay: async (id: string, now: Date) =>
      (await prisma.notificationDelivery.updateMany({ where: { id, status: { in: ['SUCCEEDED', 'DEAD'] } }, data: replayed(now) }))
        .count === 1,

    /** Every dead letter of an endpoint, due again now; how many. */
    replayDead: async (endpointId: string, now: Date) =>
      (await prisma.notificationDelivery.updateMany({ where: { endpointId, status: 'DEAD' }, data: replayed(now) })).count,
  };
}

export type WebhooksData = ReturnType<typeof createWebhooksData>;
