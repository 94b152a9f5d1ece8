import type { SubsequentPayload } from './defer.js';

type Payloads = AsyncGenerator<SubsequentPayload, void, undefined>;

/**
 * The hand-off between the executor and the HTTP transport for incremental delivery: the executor
 * returns the first payload (which goes through the server's whole response pipeline) and leaves the
 * deferred parts in a slot of the request's context, for the transport to stream after it. The slot is
 * an object under a symbol, so it survives Apollo Server's shallow copy of the context; a context
 * without one (an operation the gateway runs itself, a transport that cannot stream) gets no
 * incremental delivery.
 */
const SLOT = Symbol.for('iris.incrementalDelivery');

interface Slot {
  payloads: Payloads | undefined;
}

const slotOf = (context: unknown): Slot | undefined =>
  context && typeof context === 'object' ? ((context as Record<symbol, Slot | undefined>)[SLOT] ?? undefined) : undefined;

/** Marks a request's context as streamed by a transport that sends deferred parts. */
export function openIncrementalSlot(context: object): void {
  (context as Record<symbol, Slot>)[SLOT] = { payloads: undefined };
}

/** Whether the transport behind this context streams deferred parts. */
export function streamsIncrementally(context: unknown): boolean {
  return slotOf(context) !== undefined;
}

export function handOffSubsequentPayloads(context: unknown, payloads: Payloads): void {
  const slot = slotOf(context);
  if (!slot) {
    void payloads.return();
    return;
  }
  void slot.payloads?.return();
  slot.payloads = payloads;
}

/** The deferred parts the executor left for this request, once: whoever takes them must read or close them. */
export function takeSubsequentPayloads(context: unknown): Payloads | undefined {
  const slot = slotOf(context);
  const payloads = slot?.payloads;
  if (slot) slot.payloads = undefined;
  return payloads;
}

/** Whether an `Accept` header takes `multipart/mixed` with `deferSpec=20220824` (quoted or not, any case). */
export function acceptsIncrementalDelivery(accept: string | null | undefined): boolean {
  if (!accept) return false;
  for (const range of accept.split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== 'multipart/mixed') continue;
    const q = parameters.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    if (parameters.some((p) => p.replace(/"/g, '').replace(/\s/g, '') === 'deferspec=20220824')) return true;
  }
  return false;
}
