import { badUserInput, type Scope } from '@iris/core';

/**
 * What a user can consent to give a third-party app (GraphQL enum `OAuthScope` → the scope its tokens
 * carry, from the one vocabulary in `@iris/core`'s `auth/scopes.ts`). Reading the user's own account,
 * devices, marks and notifications; never writing, and never the app-server scopes (profiles, erasure),
 * which belong to the app's own API keys.
 */
export const OAUTH_SCOPES = {
  USER_READ: 'user:read',
  DEVICES_READ: 'devices:read',
  MARKS_READ: 'marks:read',
  NOTIFICATIONS_READ: 'notifications:read',
} as const satisfies Record<string, Scope>;

export type OAuthScope = keyof typeof OAUTH_SCOPES;

/** A token's scope strings → the enum values of `OAuthScope` (a scope outside it is not shown). */
export const oauthScopeEnums = (scopes: readonly string[]): OAuthScope[] =>
  (Object.keys(OAUTH_SCOPES) as OAuthScope[]).filter((name) => scopes.includes(OAUTH_SCOPES[name]));

/** The consented scopes of `authorizeApp`, as scope strings: at least one, each once. */
export function consentedScopes(scopes: readonly string[], field: string): string[] {
  if (scopes.length === 0) throw badUserInput(`${field}: name at least one scope the user consents to (${Object.keys(OAUTH_SCOPES).join(', ')}).`, field);
  return [...new Set(scopes)].map((scope) => {
    const value = (OAUTH_SCOPES as Record<string, string>)[scope];
    if (!value) throw badUserInput(`${field}: "${scope}" is not a scope an app can be given; use ${Object.keys(OAUTH_SCOPES).join(', ')}.`, field);
    return value;
  });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where an authorization code may be sent: `https://…`, or `http://` on this machine's loopback for
 * native and development apps (RFC 8252 §7.3). Any other scheme (`javascript:`, `data:`, `http://` to
 * another host, custom schemes) could hand the code to someone else or run script in the approving page.
 */
export function isSafeRedirectUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname.length > 0;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

export const REDIRECT_URI_RULE = 'must be https://…, or http://localhost[:port]/… or http://127.0.0.1[:port]/… for local apps';
