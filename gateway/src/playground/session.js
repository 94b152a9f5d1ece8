// The playground's signed-in session, in the browser. Served as an ES module from /playground/assets/.
//
// The tokens live in localStorage, not sessionStorage: the playground is a developer's tool, and "sign
// in once" should hold across a reload and in a second browser tab, as GraphiQL's own tabs and headers
// (also in localStorage) do. Sharing one refresh token between browser tabs needs care, because each
// refresh token works once and presenting a used one ends the whole session: a refresh runs under a Web
// Lock held by one browser tab at a time, and a tab that gets the lock after another refreshed takes that
// tab's result instead of redeeming the same token again. The result is handed over in IndexedDB, whose
// committed writes every tab sees at once; localStorage reaches other tabs' processes a moment later, so
// the tab next in line could still read the used token there.

const STORAGE_KEY = 'iris.playground.session';
const REFRESH_LOCK = 'iris.playground.refresh';
const AUTH_FIELDS = 'accessToken refreshToken user { email role }';

/** The last renewal, `{ from: refreshToken, to: session }`, in IndexedDB (null where there is none). */
const rotations = {
  open() {
    return new Promise((resolve) => {
      if (typeof indexedDB === 'undefined') return resolve(null);
      const request = indexedDB.open('iris-playground', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('rotation');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
  },
  async last() {
    const db = await this.open();
    if (!db) return null;
    return new Promise((resolve) => {
      const read = db.transaction('rotation').objectStore('rotation').get('last');
      read.onsuccess = () => resolve(read.result ?? null);
      read.onerror = () => resolve(null);
    }).finally(() => db.close());
  },
  /** Resolves once the write is committed, before the lock is let go. */
  async record(rotation) {
    const db = await this.open();
    if (!db) return;
    await new Promise((resolve) => {
      const transaction = db.transaction('rotation', 'readwrite');
      if (rotation) transaction.objectStore('rotation').put(rotation, 'last');
      else transaction.objectStore('rotation').delete('last');
      transaction.oncomplete = transaction.onerror = transaction.onabort = () => resolve();
    }).finally(() => db.close());
  },
  /** Forgets the last renewal (its tokens) when the session ends. */
  clear() {
    return this.record(null);
  },
};

/**
 * Posts one GraphQL operation and always resolves to a GraphQL response: an answer that is not JSON
 * (a proxy's HTML page, a 415) becomes an error naming the HTTP status instead of a parse failure.
 */
export async function postGraphQL(url, body, headers = {}) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return {
      errors: [
        {
          message: `Could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`,
          extensions: { code: 'NETWORK_ERROR' },
        },
      ],
    };
  }
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return {
      errors: [
        {
          message: `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 500)}`,
          extensions: { code: 'BAD_RESPONSE', status: response.status },
        },
      ],
    };
  }
}

/** A JWT's claims (unverified: only to know when it expires). */
function claimsOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
  } catch {
    return {};
  }
}

/** "message (REASON)" for the first error of a response. */
export function describeErrors(errors) {
  const first = errors && errors[0];
  if (!first) return 'No answer.';
  const reason = first.extensions && (first.extensions.reason || first.extensions.code);
  return reason ? `${first.message} (${reason})` : first.message;
}

/**
 * The signed-in user's tokens, shared by every playground tab (GraphiQL's and the browser's), renewed
 * with `refreshToken` shortly before the access token expires and whenever the gateway answers
 * TOKEN_EXPIRED. Dispatches `change` when it signs in, renews or ends.
 */
export class PlaygroundSession extends EventTarget {
  #url;
  #timer = undefined;
  #refreshing = null;
  /** The last problem (a refresh refused, a sign-in failed), shown beside the sign-in form. */
  notice = '';

  constructor(url) {
    super();
    this.#url = url;
    // Another browser tab signed in, renewed or signed out.
    addEventListener('storage', (event) => {
      if (event.key === STORAGE_KEY || event.key === null) this.#changed();
    });
    // Timers in background tabs are throttled: check again when the tab comes back.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.#renewIfDue();
    });
    this.#schedule();
  }

  /** `{ accessToken, refreshToken?, email?, role?, expiresAt? }` or null when signed out. */
  get current() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    } catch {
      return null;
    }
  }

  /** Signs in with an email and password (the `login` mutation). Resolves to an error text or ''. */
  async signIn(email, password) {
    const result = await postGraphQL(this.#url, {
      query: `mutation PlaygroundSignIn($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`,
      variables: { input: { email, password } },
    });
    if (!result.data || !result.data.login) {
      this.notice = `Sign-in refused: ${describeErrors(result.errors)}`;
      this.#changed();
      return this.notice;
    }
    this.adopt(result.data.login);
    return '';
  }

  /** Keeps the tokens of an AuthPayload (from the sign-in form, or a `login` run in any tab). */
  adopt(payload) {
    const { exp, iat, role } = claimsOf(payload.accessToken);
    const user = payload.user ?? {};
    this.#store({
      accessToken: payload.accessToken,
      refreshToken: payload.refreshToken ?? null,
      // Who is shown in the bar: the payload's user when the operation asked for it.
      email: user.email ?? null,
      role: user.role ?? role ?? null,
      // Counted on this browser's clock from the token's lifetime, so a clock that differs from the
      // gateway's neither renews too early nor lets the token lapse.
      expiresAt: exp && iat ? Date.now() + (exp - iat) * 1000 : exp ? exp * 1000 : null,
      lifetimeMs: exp && iat ? (exp - iat) * 1000 : null,
    });
    this.notice = '';
    this.#changed();
  }

  /** Ends the session on the server (`logout`) and forgets its tokens. */
  async signOut() {
    const session = this.current;
    localStorage.removeItem(STORAGE_KEY);
    this.notice = '';
    this.#changed();
    await rotations.clear();
    if (session && session.refreshToken) {
      await postGraphQL(this.#url, {
        query: 'mutation PlaygroundSignOut($input: LogoutInput!) { logout(input: $input) { revoked } }',
        variables: { input: { refreshToken: session.refreshToken } },
      });
    }
  }

  /**
   * Forgets the session whose access token `token` is, because the gateway says it was ended (TOKEN_REVOKED:
   * signed out elsewhere, password changed, member removed): its refresh token is dead too.
   */
  ended(token, why) {
    const session = this.current;
    if (!session || session.accessToken !== token) return;
    localStorage.removeItem(STORAGE_KEY);
    this.notice = `Signed out: ${why}`;
    this.#changed();
    void rotations.clear();
  }

  /** The access token to send now: renewed first when it is about to expire. */
  async accessToken() {
    const session = this.current;
    if (!session) return null;
    if (this.#due(session)) return (await this.refresh(session.accessToken)) ?? null;
    return session.accessToken;
  }

  /**
   * Renews the tokens because `staleToken` expired or is about to. One renewal at a time in this tab
   * and, through a Web Lock, across browser tabs; a renewal someone else already made is taken as is.
   * Resolves to the access token to use (null when signed out).
   */
  refresh(staleToken) {
    if (this.#refreshing) return this.#refreshing;
    const run = async () => {
      let session = this.current;
      if (!session) return null;
      // Another tab renewed this session's refresh token already: take its result.
      const last = await rotations.last();
      if (last && session.refreshToken && last.from === session.refreshToken) {
        this.#store(last.to);
        this.#changed();
        session = last.to;
      }
      if (session.accessToken !== staleToken && !this.#due(session)) return session.accessToken;
      if (!session.refreshToken) {
        localStorage.removeItem(STORAGE_KEY);
        this.notice = 'The access token expired and no refresh token was kept: sign in again.';
        this.#changed();
        return null;
      }
      const result = await postGraphQL(this.#url, {
        query: `mutation PlaygroundRefresh($input: RefreshTokenInput!) { refreshToken(input: $input) { ${AUTH_FIELDS} } }`,
        variables: { input: { refreshToken: session.refreshToken } },
      });
      if (result.data && result.data.refreshToken) {
        this.adopt(result.data.refreshToken);
        await rotations.record({ from: session.refreshToken, to: this.current });
        return result.data.refreshToken.accessToken;
      }
      const networkTrouble = (result.errors ?? []).some(
        (e) => e.extensions && ['NETWORK_ERROR', 'BAD_RESPONSE'].includes(e.extensions.code),
      );
      if (networkTrouble) {
        // Keep the session: the gateway may be restarting. The next request or timer tries again.
        this.notice = `Could not renew the token: ${describeErrors(result.errors)}`;
        this.dispatchEvent(new Event('change'));
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.#renewIfDue(), 15_000);
        return session.accessToken;
      }
      localStorage.removeItem(STORAGE_KEY);
      await rotations.clear();
      this.notice = `Signed out: ${describeErrors(result.errors)}`;
      this.#changed();
      return null;
    };
    const locked = navigator.locks ? navigator.locks.request(REFRESH_LOCK, run) : run();
    this.#refreshing = locked.finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Renewal is due in the last quarter of the token's life, and at most a minute before it expires. */
  #margin(session) {
    return Math.min(60_000, (session.lifetimeMs ?? 900_000) / 4);
  }

  #due(session) {
    return Boolean(session.expiresAt && session.refreshToken && session.expiresAt - Date.now() <= this.#margin(session));
  }

  #renewIfDue() {
    const session = this.current;
    if (session && this.#due(session)) void this.refresh(session.accessToken);
  }

  #store(session) {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  }

  #schedule() {
    clearTimeout(this.#timer);
    const session = this.current;
    if (!session || !session.expiresAt || !session.refreshToken) return;
    const delay = Math.max(0, session.expiresAt - this.#margin(session) - Date.now());
    this.#timer = setTimeout(() => this.#renewIfDue(), delay);
  }

  #changed() {
    this.#schedule();
    this.dispatchEvent(new Event('change'));
  }
}

/** Finds the tokens of an AuthPayload among a response's root fields (`login`, `refreshToken`, …). */
export function authPayloadIn(result) {
  const data = result && result.data;
  if (!data || typeof data !== 'object') return null;
  for (const value of Object.values(data)) {
    if (value && typeof value === 'object' && typeof value.accessToken === 'string' && value.accessToken.split('.').length === 3)
      return value;
  }
  return null;
}
