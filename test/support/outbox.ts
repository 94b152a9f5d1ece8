import type { TestGraph } from './graph.js';

/** The latest verification code the default sender put in the outbox for this email. */
export async function latestCode(graph: TestGraph, email: string): Promise<string> {
  const [message] = await graph.database.prisma.outboxMessage.findMany({
    where: { recipient: email.toLowerCase() },
    orderBy: { createdAt: 'desc' },
    take: 1,
  });
  const code = message?.body.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no code in the outbox for ${email}`);
  return code;
}
