/** Roles a user holds in its account; SERVICE_ADMIN is the camera document's "API Service Management". */
export type Role = 'MAIN' | 'MEMBER' | 'SERVICE_ADMIN';

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  accountId: string;
  role: Role;
}

/** An app server calling with an API key: limited to one app and the key's scopes. */
export interface AppPrincipal {
  kind: 'app';
  appId: string;
  accountId: string;
  scopes: readonly string[];
}

export type Principal = UserPrincipal | AppPrincipal;

/** What every subgraph's request context carries about the caller. */
export interface AuthState {
  principal: Principal | null;
  /** Why a credential that was sent was refused (expired, bad signature): reported instead of a bare "sign in". */
  credentialError: string | null;
}

export const anonymous: AuthState = { principal: null, credentialError: null };
