import { ACCESS_TOKEN_ALG, badUserInput, type Config, type Scope, type TokenKeys } from '@iris/core';
import { jwtVerify, SignJWT } from 'jose';

/** OpenID Connect's scope: an ID token with the tokens. */
export const OPENID_SCOPE = 'openid';

/**
 * What a user can consent to give a third-party app (GraphQL enum `OAuthScope` → the scope its tokens
 * carry, from the one vocabulary in `@iris/core`'s `auth/scopes.ts`). Reading the user's own account,
 * devices, marks and notifications; never writing, and never the app-server scopes (profiles, erasure),
 * which belong to the app's own API keys. `openid` (OpenID Connect) gives no access: it asks for an ID
 * token beside the access token (see {@link signIdToken}).
 */
export const OAUTH_SCOPES = {
  USER_READ: 'user:read',
  DEVICES_READ: 'devices:read',
  MARKS_READ: 'marks:read',
  NOTIFICATIONS_READ: 'notifications:read',
  OPENID: OPENID_SCOPE,
} as const satisfies Record<string, Scope | typeof OPENID_SCOPE>;

export type OAuthScope = keyof typeof OAUTH_SCOPES;

/** A token's scope strings → the enum values of `OAuthScope` (a scope outside it is not shown). */
export const oauthScopeEnums = (scopes: readonly string[]): OAuthScope[] =>
  (Object.keys(OAUTH_SCOPES) as OAuthScope[]).filter((name) => scopes.includes(OAUTH_SCOPES[name]));

/** The consented scopes of `authorizeApp`, as scope strings: at least one, each once. */
export function consentedScopes(scopes: readonly string[], field: string): string[] {
  if (scopes.length === 0)
    throw badUserInput(`${field}: name at least one scope the user consents to (${Object.keys(OAUTH_SCOPES).join(', ')}).`, field);
  return [...new Set(scopes)].map((scope) => {
    const value = (OAUTH_SCOPES as Record<string, string>)[scope];
    if (!value)
      throw badUserInput(`${field}: "${scope}" is not a scope an app can be given; use ${Object.keys(OAUTH_SCOPES).join(', ')}.`, field);
    return value;
  });
}

/**
 * An OpenID Connect ID token: who signed in to the app (`sub`, the user; `aud`, the app; `sid`, the
 * session), signed with the access tokens' key so an app checks it with identity's JWKS. Its `typ` is
 * `JWT` and its audience the app, so no verifier of access tokens (`at+jwt`, audience JWT_AUDIENCE)
 * takes it for one.
 */
export async function signIdToken(
  keys: TokenKeys,
  config: Pick<Config, 'JWT_ISSUER' | 'ACCESS_TOKEN_TTL_SECONDS'>,
  claims: { userId: string; appId: string; sessionId: string },
  now: Date,
): Promise<string> {
  if (!keys.privateKey) throw new Error('this process holds no signing key');
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.kid, typ: 'JWT' })
    .setIssuer(config.JWT_ISSUER)
    .setSubject(claims.userId)
    .setAudience(claims.appId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + config.ACCESS_TOKEN_TTL_SECONDS)
    .sign(keys.privateKey);
}

/**
 * The user an `id_token_hint` names, when it is an ID token Iris signed for `appId`; undefined for
 * anything else. An expired hint is still taken within the refresh-token lifetime (OpenID Connect
 * RP-Initiated Logout §2 asks for it: the user signs out long after signing in), not beyond.
 */
export async function userOfIdTokenHint(
  keys: TokenKeys,
  config: Pick<Config, 'JWT_ISSUER' | 'REFRESH_TOKEN_TTL_SECONDS'>,
  hint: string,
  appId: string,
  now: Date,
): Promise<string | undefined> {
  try {
    const { payload } = await jwtVerify(hint, keys.publicKey, {
      algorithms: [ACCESS_TOKEN_ALG],
      typ: 'JWT',
      issuer: config.JWT_ISSUER,
      audience: appId,
      currentDate: now,
      clockTolerance: config.REFRESH_TOKEN_TTL_SECONDS,
      requiredClaims: ['sub', 'sid', 'iat', 'exp'],
    });
    return payload.sub;
  } catch {
    return undefined;
  }
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
