/** Roles a user holds in its account; SERVICE_ADMIN is the camera document's "API Service Management". */
export type Role = 'MAIN' | 'MEMBER' | 'SERVICE_ADMIN';

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  accountId: string;
  role: Role;
  /** The sign-in session the token belongs to (its `sid` claim), so revoking the session stops the token. */
  sessionId?: string;
}

/**
 * An app calling for itself or for a user. Whatever the credential, it reaches exactly what its
 * `scopes` name (see `scopes.ts`), never its account's users, keys or orders.
 */
export interface AppPrincipal {
  kind: 'app';
  /**
   * How the app proved itself: an API key (`api_key`), its `app_id` + `app_key`, or an OAuth access
   * token a user consented to.
   */
  via: 'apiKey' | 'appKey' | 'oauth';
  appId: string;
  /** The account whose data the app reaches: the key's account, or the consenting user's. */
  accountId: string;
  scopes: readonly string[];
  /**
   * OAuth only: the user who consented. The app sees at most what this user sees (the user's
   * tenancy and shares), and never a service admin's reach across accounts.
   */
  userId?: string;
  /** OAuth only: the consenting user's role when consent was given. */
  role?: Role;
  /** The API key's id, or the OAuth session's id: what revocation names. */
  credentialId?: string;
}

export type Principal = UserPrincipal | AppPrincipal;

/**
 * Why a caller is not signed in, in words a client branches on (`extensions.reason` beside
 * `code: UNAUTHENTICATED`, the graphql-ws close reason, the SSE error): `TOKEN_EXPIRED` means refresh,
 * the others mean sign in again or fix the request.
 */
export type CredentialReason =
  | 'CREDENTIALS_MISSING'
  | 'AUTHORIZATION_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_INVALID'
  | 'TOKEN_REVOKED'
  | 'API_KEY_INVALID'
  | 'APP_KEY_INVALID'
  | 'ACCOUNT_DEACTIVATED';

/** A credential that was sent and refused: why, and what to do about it. */
export interface CredentialError {
  reason: CredentialReason;
  message: string;
}

/** What every subgraph's request context carries about the caller. */
export interface AuthState {
  principal: Principal | null;
  /** Why a credential that was sent was refused (expired, bad signature): reported instead of a bare "sign in". */
  credentialError: CredentialError | null;
}

export const anonymous: AuthState = { principal: null, credentialError: null };
