import type { SubsequentPayload } from './defer.js';

/**
 * The hand-off between the executor and the HTTP transport for incremental delivery: the executor
 * returns the first payload (which goes through the server's whole response pipeline) and leaves the
 * deferred parts here, keyed by the request's context object, for the transport to stream after it.
 */
const pending = new WeakMap<object, AsyncGenerator<SubsequentPayload, void, undefined>>();

export function handOffSubsequentPayloads(context: object, payloads: AsyncGenerator<SubsequentPayload, void, undefined>): void {
  pending.get(context)?.return();
  pending.set(context, payloads);
}

/** The deferred parts the executor left for this request, once: whoever takes them must read or close them. */
export function takeSubsequentPayloads(context: object): AsyncGenerator<SubsequentPayload, void, undefined> | undefined {
  const payloads = pending.get(context);
  pending.delete(context);
  return payloads;
}

/** The media type of incremental delivery as Apollo Router and Apollo's clients speak it. */
export const INCREMENTAL_MEDIA_TYPE = 'multipart/mixed;deferSpec=20220824';

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
