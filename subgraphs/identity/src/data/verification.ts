import type { ScopedClient, ScopedTransaction, VerificationPurpose } from '@iris/db';

/** Verification codes (hashed) and the outbox the default sender writes to. */
export function createVerificationData(prisma: ScopedClient<'identity'>) {
  return {
    transaction: <T>(work: (tx: ScopedTransaction<'identity'>) => Promise<T>) => prisma.$transaction(work),

    sentSince: (email: string, purpose: VerificationPurpose, since: Date) =>
      prisma.verificationCode.count({ where: { email, purpose, createdAt: { gte: since } } }),

    /** A new code replaces every earlier live one for the same email and purpose. */
    issueCode: (
      tx: ScopedTransaction<'identity'>,
      row: { email: string; purpose: VerificationPurpose; codeHash: string; expiresAt: Date },
      now: Date,
    ) =>
      tx.verificationCode
        .updateMany({ where: { email: row.email, purpose: row.purpose, consumedAt: null }, data: { consumedAt: now } })
        .then(() => tx.verificationCode.create({ data: row })),

    liveCode: (email: string, purpose: VerificationPurpose, now: Date) =>
      prisma.verificationCode.findFirst({
        where: { email, purpose, consumedAt: null, expiresAt: { gt: now } },
        orderBy: { createdAt: 'desc' },
      }),

    countAttempt: (id: string) => prisma.verificationCode.update({ where: { id }, data: { attempts: { increment: 1 } } }),

    /** Uses a code once; false when a concurrent request used it first. */
    consume: async (tx: ScopedTransaction<'identity'>, id: string, now: Date) =>
      (await tx.verificationCode.updateMany({ where: { id, consumedAt: null }, data: { consumedAt: now } })).count === 1,

    retire: (id: string, now: Date) => prisma.verificationCode.update({ where: { id }, data: { consumedAt: now } }),

    writeOutbox: (tx: ScopedTransaction<'identity'>, message: { channel: string; recipient: string; subject: string; body: string }) =>
      tx.outboxMessage.create({ data: message }),

    outboxFor: (recipient: string) => prisma.outboxMessage.findMany({ where: { recipient }, orderBy: { createdAt: 'desc' } }),
  };
}
