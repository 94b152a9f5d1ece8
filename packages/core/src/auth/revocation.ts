import type { EventBus } from '../events.js';
import type { Logger } from '../logger.js';
import type { CredentialError } from './principal.js';

/**
 * What a revocation names: one sign-in session (a token's `sid`), every token of a user (`sub` of a
 * user's token, `usr` of an OAuth app token), every token of an account (`acc`), or every token traded
 * for one app credential (an API key: the app token's `sub`).
 */
export type RevocationSubject = 'session' | 'user' | 'account' | 'credential';

/** "Tokens of `subject` `id` issued before `before` are refused", until `until`, when the last of them has expired. */
export interface Revocation {
  subject: RevocationSubject;
  id: string;
  /** Milliseconds since the epoch: tokens issued at or before it are refused (by `iam`; by `iat`, also those of the same second). */
  before: number;
  /** Milliseconds since the epoch: past it every token the entry refuses has expired, so it is forgotten. */
  until: number;
}

/** The claims of a verified access token that expiry and revocation are decided by. */
export interface TokenClaims {
  /** Seconds since the epoch. */
  iat: number;
  /** Milliseconds since the epoch, when the token says (its `iam` claim, agreeing with `iat`). */
  issuedAtMs?: number;
  exp: number;
  sid: string;
  acc: string;
  /** The user the token acts for: the subject of a user's token, the consenting user of an OAuth app token. */
  userId?: string;
  /** An app token's credential (API key id, OAuth session). */
  credentialId?: string;
}

export const TOKEN_EXPIRED: CredentialError = {
  reason: 'TOKEN_EXPIRED',
  message: 'Your access token has expired: get a new one with `refreshToken` or sign in again.',
};
export const TOKEN_REVOKED: CredentialError = {
  reason: 'TOKEN_REVOKED',
  message:
    'Your access token was revoked (signed out, removed from the account, account deactivated, password changed, or key revoked): sign in again.',
};

/**
 * The graphql-ws close reason (at most 123 bytes) of a socket closed with 4403 because its token ended:
 * the reason first, for clients to branch on.
 */
export function credentialEndedReason(error: CredentialError): string {
  return error.reason === 'TOKEN_EXPIRED'
    ? 'TOKEN_EXPIRED: the access token expired; refresh it and reconnect'
    : `${error.reason}: the access token was revoked; sign in again`;
}

/** A token being held to its expiry and revocations for as long as a stream lives on it. */
export interface CredentialWatch {
  /** The reason the token ended if it has (checked now, against the clock), else null; the first time it finds one it also calls `onEnd`. */
  check(): CredentialError | null;
  stop(): void;
}

interface Watch {
  claims: TokenClaims;
  onEnd: (error: CredentialError) => void;
  ended: boolean;
}

/** How often streams are checked against their tokens' expiry. */
const EXPIRY_SWEEP_MS = 1_000;

/**
 * The revocations this process knows, consulted on every token verification (cached or not) with at
 * most four map lookups, and the tokens of live streams, each ended (`onEnd`) when its token expires
 * (checked every second) or at once when a revocation naming it is applied.
 */
export class RevocationList {
  readonly #entries = new Map<string, Revocation>();
  readonly #watches = new Set<Watch>();
  #sweep: NodeJS.Timeout | undefined;
  #prunedAt = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** Records a revocation (idempotent: the latest `before` of one subject wins) and ends the streams it names. */
  apply(revocation: Revocation): void {
    const now = this.clock().getTime();
    this.#prune(now);
    if (revocation.until <= now) return;
    const key = `${revocation.subject}:${revocation.id}`;
    const known = this.#entries.get(key);
    if (!known || known.before < revocation.before) {
      this.#entries.set(key, { ...revocation, until: Math.max(revocation.until, known?.until ?? 0) });
    }
    for (const watch of this.#watches) if (this.revokedBy(watch.claims)) this.#end(watch, TOKEN_REVOKED);
  }

  /** The revocation that refuses a token with these claims, if any. */
  revokedBy(claims: TokenClaims): Revocation | null {
    if (this.#entries.size === 0) return null;
    const check = (subject: RevocationSubject, id: string | undefined) => {
      if (!id) return null;
      const entry = this.#entries.get(`${subject}:${id}`);
      if (!entry) return null;
      // Without `iam`, `iat`'s whole seconds are all there is: a token issued in the second of the
      // revocation is refused too.
      const issuedBefore =
        claims.issuedAtMs !== undefined ? claims.issuedAtMs <= entry.before : claims.iat <= Math.floor(entry.before / 1000);
      return issuedBefore ? entry : null;
    };
    return (
      check('session', claims.sid) ??
      check('user', claims.userId) ??
      check('account', claims.acc) ??
      check('credential', claims.credentialId)
    );
  }

  /** Why a token with these claims is no longer accepted now, or null. */
  endOf(claims: TokenClaims): CredentialError | null {
    if (claims.exp * 1000 <= this.clock().getTime()) return TOKEN_EXPIRED;
    return this.revokedBy(claims) ? TOKEN_REVOKED : null;
  }

  /** Holds a stream's token to its expiry and to revocations; `onEnd` is called once. */
  watch(claims: TokenClaims, onEnd: (error: CredentialError) => void): CredentialWatch {
    const watch: Watch = { claims, onEnd, ended: false };
    this.#watches.add(watch);
    this.#sweep ??= setInterval(() => this.#sweepNow(), EXPIRY_SWEEP_MS).unref();
    // A revocation applied between the token's verification and now.
    const end = this.endOf(claims);
    if (end) this.#end(watch, end);
    return {
      check: () => {
        const end = this.endOf(claims);
        if (end) this.#end(watch, end);
        return end;
      },
      stop: () => this.#forget(watch),
    };
  }

  /** Entries held now (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Forgets the entries whose tokens have all expired (at most once a second). */
  #prune(now: number): void {
    if (now - this.#prunedAt < 1_000) return;
    this.#prunedAt = now;
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
  }

  /** Ends the streams whose tokens have expired (revocations end theirs as they are applied). */
  #sweepNow(): void {
    const now = this.clock().getTime();
    this.#prune(now);
    for (const watch of this.#watches) if (watch.claims.exp * 1000 <= now) this.#end(watch, TOKEN_EXPIRED);
  }

  #end(watch: Watch, error: CredentialError): void {
    if (watch.ended) return;
    watch.ended = true;
    this.#forget(watch);
    watch.onEnd(error);
  }

  #forget(watch: Watch): void {
    this.#watches.delete(watch);
    if (this.#watches.size === 0 && this.#sweep) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }
}

/** How often a process re-reads the revocations the bus keeps, in case a push was missed (a reconnect). */
const CATCH_UP_MS = 5_000;

/**
 * Keeps a process's revocation list in step with every other process: each revocation is pushed on
 * the bus (`auth.revoked`) to every instance; where the bus keeps history (Redis streams), the
 * revocations of the last `lookbackMs` (the longest token lifetime) are read at start, so a process
 * that starts late knows them, and re-read every few seconds, so one that missed a push while
 * reconnecting catches up within that time. Returns a function that stops it.
 */
export async function followRevocations(
  bus: EventBus,
  list: RevocationList,
  options: { lookbackMs: number; logger: Logger },
): Promise<() => void> {
  const stopListening = bus.subscribe('auth.revoked', (event) => list.apply(event.payload));
  if (!bus.history) return stopListening;
  const history = bus.history.bind(bus);
  // The bus's own time (Redis stream ids), not a test clock.
  let since = Date.now() - options.lookbackMs;
  const catchUp = async () => {
    const from = since;
    const events = await history('auth.revoked', from);
    for (const event of events) list.apply(event.payload);
    // Overlapping windows: a revocation written while the last read ran is read again, never missed.
    since = Math.max(from, Date.now() - CATCH_UP_MS * 2);
  };
  try {
    await catchUp();
  } catch (err) {
    options.logger.warn({ err }, 'could not read the revocations kept on the bus; relying on pushes');
  }
  const timer = setInterval(() => {
    catchUp().catch((err: unknown) => options.logger.warn({ err }, 'could not re-read revocations'));
  }, CATCH_UP_MS).unref();
  return () => {
    clearInterval(timer);
    stopListening();
  };
}
