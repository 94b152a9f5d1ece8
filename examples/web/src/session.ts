/**
 * The signed-in session: the tokens `login` and `refreshToken` answer, kept in sessionStorage so a reload
 * keeps you signed in while closing the tab signs you out, and told to React through `subscribe`
 * (`useSyncExternalStore`).
 */
import type { SessionFieldsFragment } from './generated/graphql.js';

export type Session = Omit<SessionFieldsFragment, '__typename'>;

const STORAGE_KEY = 'iris.session';

export class SessionStore {
  #session: Session | null;
  readonly #listeners = new Set<() => void>();

  constructor(private readonly storage: Storage = sessionStorage) {
    this.#session = parse(storage.getItem(STORAGE_KEY));
  }

  get current(): Session | null {
    return this.#session;
  }

  set(session: Session | null): void {
    this.#session = session;
    if (session) this.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    else this.storage.removeItem(STORAGE_KEY);
    for (const listener of this.#listeners) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
}

function parse(stored: string | null): Session | null {
  if (!stored) return null;
  try {
    const session = JSON.parse(stored) as Session;
    return session.accessToken && session.refreshToken && session.expiresAt ? session : null;
  } catch {
    return null;
  }
}
