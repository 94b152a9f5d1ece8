import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { ERASURE_PARTICIPANTS, forbidden, parseInput, principalOf, type AuthState, type IrisEventMap, type TenantScope } from '@iris/core';
import type { Outbox } from '@iris/db';
import { z } from 'zod';
import type { ProfilesData } from '../data/profiles.js';
import type { AppVisibilityService } from './appVisibility.js';

const byAppInput = z.object({ deviceId: z.string().trim().min(1).max(200), appId: z.string().trim().min(1).max(200) });
const byOwnerInput = z.object({ deviceId: z.string().trim().min(1).max(200), ownerId: z.uuid('must be an account id') });

/**
 * Erasure of what the graph holds about a phone. Profiles erases its own rows and records the audit
 * in one transaction, then asks every other participant over the bus and collects their reports; the
 * receipt is returned once all have answered, or after `waitMs` with the missing parts pending (it can
 * be read again later with `erasureReceipt`). Repeating an erasure is harmless: nothing is left to remove.
 *
 * With several profiles instances (REDIS_URL), each report is recorded by whichever instance reads it
 * (one consumer group), so the instance that records the last one announces the completion to all
 * (`userData.erasureCompleted`, to every instance) and the one holding the request answers at once.
 */
export function createErasureService(data: ProfilesData, outbox: Outbox, apps: AppVisibilityService, options: { waitMs: number }) {
  const reported = new EventEmitter();
  reported.setMaxListeners(0);

  async function erase(auth: AuthState, request: { deviceId: string; accountId: string; appId: string | null }) {
    const principal = principalOf(auth);
    const erasureId = randomUUID();
    const done = once(reported, `complete:${erasureId}`, { signal: AbortSignal.timeout(options.waitMs) }).catch(() => undefined);
    // The erasure, this subgraph's part and the request to the others, in one transaction.
    await data.erase(
      {
        erasureId,
        scope: request.appId ? 'BY_APP' : 'BY_OWNER',
        ...request,
        requestedBy: principal.kind === 'user' ? `user:${principal.userId}` : `apiKey:${principal.appId}`,
      },
      (tx) => outbox.enqueue(tx, 'userData.erasureRequested', { erasureId, ...request }),
    );
    await done;
    return (await data.erasure(erasureId, { all: true }))!;
  }

  return {
    async byApp(auth: AuthState, scope: TenantScope, raw: unknown) {
      const input = parseInput(byAppInput, raw);
      // Before anything is erased or recorded: an app the caller cannot see leaves no audit and no event.
      await apps.requireVisibleApp(auth, scope, input.appId);
      return erase(auth, { deviceId: input.deviceId, appId: input.appId, accountId: principalOf(auth).accountId });
    },

    byOwner(auth: AuthState, raw: unknown) {
      const input = parseInput(byOwnerInput, raw);
      const principal = principalOf(auth);
      if (principal.accountId !== input.ownerId) throw forbidden('You can erase data only for apps your own account owns.');
      return erase(auth, { deviceId: input.deviceId, appId: null, accountId: input.ownerId });
    },

    /**
     * Records a participant's report (once, on one instance: events.ts reads them in one group); once
     * every part is in, tells every instance, so the mutation waiting for it, wherever it runs, returns
     * the receipt.
     */
    async onPartErased(report: IrisEventMap['userData.erased']) {
      await data.recordErasurePart(report.erasureId, report.subgraph, report.removed, async (tx, parts) => {
        if (ERASURE_PARTICIPANTS.every((s) => parts.includes(s)))
          await outbox.enqueue(tx, 'userData.erasureCompleted', { erasureId: report.erasureId });
      });
    },

    /** Every instance hears every completion (no group) and wakes its own waiter if it has one. */
    onErasureCompleted(erasureId: string) {
      reported.emit(`complete:${erasureId}`);
    },
  };
}

export type ErasureService = ReturnType<typeof createErasureService>;
