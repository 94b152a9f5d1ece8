import { createHmac } from 'node:crypto';
import {
  badUserInput,
  displayName,
  notFound,
  parseInput,
  principalOf,
  requireInScope,
  type AuthState,
  type Config,
  type TenantScope,
} from '@iris/core';
import type { Outbox } from '@iris/db';
import { z } from 'zod';
import type { IdentityData } from '../data/index.js';
import { sameHash } from './secrets.js';

type Clock = () => Date;

const createPlanInput = z.object({
  name: displayName(z),
  retentionDays: z.number().int().min(1, 'must be at least 1').max(3_650, 'must be at most 3650 (ten years)'),
  storageGb: z.number().int().min(1, 'must be at least 1').max(1_000_000),
  priceCents: z.number().int().min(0, 'must not be negative').max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
});

const paymentEvent = z.object({
  id: z.string().min(1).max(200),
  orderId: z.uuid(),
  status: z.enum(['PAID', 'FAILED', 'CANCELLED']),
});

/** Payment callbacks older or newer than this are refused, so a captured request cannot be replayed later. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = 'x-iris-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (the scheme payment providers use). */
export function signWebhook(secret: string, rawBody: string | Buffer, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Storage plans, their orders, and the payment provider's signed status callback. */
export function createPlansService(data: IdentityData, outbox: Outbox, config: Config, clock: Clock) {
  const { plans } = data;
  return {
    create: (raw: unknown) => plans.createPlan(parseInput(createPlanInput, raw)),

    async withdraw(id: string) {
      return (await plans.withdrawPlan(id, clock())) ?? Promise.reject(notFound('RetentionPlan', id));
    },

    async order(auth: AuthState, scope: TenantScope, input: { planId: string; accountId?: string | null }) {
      const accountId = input.accountId ?? principalOf(auth).accountId;
      requireInScope(scope, accountId);
      const plan = await plans.offeredPlan(input.planId);
      if (!plan) throw badUserInput(`input.planId: no storage plan "${input.planId}" is on offer.`, 'input.planId');
      return plans.createOrder({ accountId, planId: plan.id, amountCents: plan.priceCents, currency: plan.currency });
    },

    /**
     * The payment provider's callback: checks the signature over the raw body and the timestamp
     * window, then applies the event once (a repeated delivery answers 200 and changes nothing).
     */
    async handlePaymentWebhook(rawBody: Buffer, signature: string | undefined): Promise<WebhookResponse> {
      const parts = Object.fromEntries((signature ?? '').split(',').map((part) => part.split('=', 2) as [string, string]));
      const timestamp = Number(parts.t);
      if (!parts.t || !parts.v1 || !Number.isInteger(timestamp)) {
        return { status: 400, body: { error: `Missing or malformed ${SIGNATURE_HEADER} header: expected t=<unix seconds>,v1=<hex>.` } };
      }
      if (Math.abs(clock().getTime() / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS) {
        return { status: 400, body: { error: `The signature timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS} seconds away from now.` } };
      }
      const expected = signWebhook(config.PAYMENT_WEBHOOK_SECRET, rawBody, timestamp).split('v1=')[1]!;
      if (!/^[0-9a-f]{64}$/.test(parts.v1) || !sameHash(expected, parts.v1)) {
        return { status: 401, body: { error: 'The signature does not match the body.' } };
      }
      let event: z.infer<typeof paymentEvent>;
      try {
        event = paymentEvent.parse(JSON.parse(rawBody.toString('utf8')));
      } catch {
        return {
          status: 400,
          body: { error: 'The body must be JSON: { "id": string, "orderId": uuid, "status": "PAID" | "FAILED" | "CANCELLED" }.' },
        };
      }
      // A paid order's plan change reaches devices (which purges by it) from the same transaction.
      const { order, applied } = await plans.applyPaymentEvent(event, (tx, plan) =>
        outbox.enqueue(tx, 'account.retentionPlanChanged', plan),
      );
      if (!order) return { status: 404, body: { error: `No order ${event.orderId}.` } };
      return { status: 200, body: { received: true, applied, orderStatus: order.status } };
    },
  };
}

export type PlansService = ReturnType<typeof createPlansService>;
