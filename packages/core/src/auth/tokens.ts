import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { AppPrincipal, AuthState, CredentialError, Principal, Role } from './principal.js';
import { RevocationList, TOKEN_EXPIRED, TOKEN_REVOKED, type CredentialWatch, type TokenClaims } from './revocation.js';

export const ACCESS_TOKEN_ALG = 'ES256';

/** The key pair access tokens are signed and verified with. Only identity holds `privateKey`. */
export interface TokenKeys {
  kid: string;
  publicKey: CryptoKey;
  privateKey?: CryptoKey;
}

/**
 * Keys from `JWT_PRIVATE_KEY` / `JWT_PUBLIC_KEY`. Outside production a missing pair is generated
 * for this process, which is enough when the whole graph runs in one process (`pnpm start`, tests).
 */
export async function loadTokenKeys(config: Config): Promise<TokenKeys> {
  if (config.JWT_PUBLIC_KEY) {
    const publicKey = await importSPKI(config.JWT_PUBLIC_KEY, ACCESS_TOKEN_ALG, { extractable: true });
    const privateKey = config.JWT_PRIVATE_KEY ? await importPKCS8(config.JWT_PRIVATE_KEY, ACCESS_TOKEN_ALG) : undefined;
    return { kid: 'iris-1', publicKey, ...(privateKey ? { privateKey } : {}) };
  }
  if (config.NODE_ENV === 'production') throw new Error('JWT_PUBLIC_KEY (or JWT_JWKS_URL) is required in production');
  const pair = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  return { kid: `dev-${Date.now().toString(36)}`, publicKey: pair.publicKey, privateKey: pair.privateKey };
}

export async function publicJwks(keys: TokenKeys): Promise<JSONWebKeySet> {
  const jwk = await exportJWK(keys.publicKey);
  return { keys: [{ ...jwk, kid: keys.kid, alg: ACCESS_TOKEN_ALG, use: 'sig' }] };
}

/** Claims of a user's token: `sub` is the user id. */
interface UserClaims {
  acc: string;
  role: Role;
}

/** Claims of an app server's token (traded for its API key): `sub` is the API key id. */
interface AppClaims {
  acc: string;
  app: string;
  scp: string[];
  via: AppPrincipal['via'];
  /** OAuth: the consenting user and its role. */
  usr?: string;
  role?: Role;
}

export interface SignedAccessToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs an access token for a user, or for an app server holding an API key. Only identity calls it.
 * Every token carries `iat`, `exp` and `sid`, the session it belongs to (a user's sign-in session, or
 * the app credential it was traded for), so that ending the session refuses it everywhere at once
 * (see `revocation.ts`); a token signed without a session gets one of its own.
 */
export async function signAccessToken(
  keys: TokenKeys,
  config: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'ACCESS_TOKEN_TTL_SECONDS'>,
  principal: Principal & { apiKeyId?: string },
  now: Date = new Date(),
): Promise<SignedAccessToken> {
  if (!keys.privateKey) throw new Error('this process holds no signing key');
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + config.ACCESS_TOKEN_TTL_SECONDS) * 1000);
  const claims: UserClaims | AppClaims =
    principal.kind === 'user'
      ? { acc: principal.accountId, role: principal.role }
      : {
          acc: principal.accountId,
          app: principal.appId,
          scp: [...principal.scopes],
          via: principal.via,
          ...(principal.userId ? { usr: principal.userId } : {}),
          ...(principal.role ? { role: principal.role } : {}),
        };
  const subject = principal.kind === 'user' ? principal.userId : (principal.apiKeyId ?? principal.credentialId ?? principal.appId);
  const sessionId = principal.kind === 'user' ? principal.sessionId : (principal.credentialId ?? principal.apiKeyId);
  // `iat` has whole seconds; `iam` (milliseconds) lets a revocation refuse exactly the tokens issued before
  // it, not also those issued later in the same second (a key traded again right after a scope change).
  const token = await new SignJWT({ ...claims, sid: sessionId ?? randomUUID(), iam: now.getTime() })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.kid, typ: 'at+jwt' })
    .setSubject(subject)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keys.privateKey);
  return { token, expiresAt };
}

export type Clock = () => Date;

/** How long a verified token is trusted without checking its signature again (never past its `exp`). */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * Verifies bearer tokens in any process: against the local public key, or against identity's JWKS
 * when `JWT_JWKS_URL` is set (keys fetched once and cached by jose).
 */
export class AccessTokenVerifier {
  readonly #getKey: JWTVerifyGetKey;
  /**
   * Tokens already verified, until they expire (at most {@link VERIFIED_TOKEN_TTL_MS}): the gateway and
   * every subgraph see the same token on each request, and an ES256 signature check is the costliest
   * step of authenticating it. Map order is insertion order; the oldest entry goes first when full.
   */
  readonly #verified = new Map<string, { principal: Principal; claims: TokenClaims; until: number }>();
  /**
   * The revocations this process knows (kept in step across processes by `followRevocations`),
   * consulted on every verification, cached or not.
   */
  readonly revocations: RevocationList;

  constructor(
    source: { keys: TokenKeys; jwks?: JSONWebKeySet } | { jwksUrl: string },
    private readonly config: Pick<Config, 'JWT_ISSUER' | 'JWT_AUDIENCE'>,
    private readonly clock: Clock = () => new Date(),
  ) {
    this.revocations = new RevocationList(clock);
    if ('jwksUrl' in source) {
      this.#getKey = createRemoteJWKSet(new URL(source.jwksUrl));
    } else {
      const publicKey = source.keys.publicKey;
      this.#getKey = source.jwks ? createLocalJWKSet(source.jwks) : async () => publicKey;
    }
  }

  /** The token's principal; throws when it is not valid, has expired or was revoked ({@link TokenRevokedError}). */
  async verify(token: string): Promise<Principal> {
    return (await this.#check(token)).principal;
  }

  /**
   * Holds a live stream to the token that opened it: `onEnd` is called once, with TOKEN_EXPIRED when
   * the token expires or TOKEN_REVOKED as soon as a revocation naming it arrives (at once if it is
   * neither valid nor live now). The stream stops watching with `stop()` when it ends by itself.
   */
  async watch(token: string, onEnd: (error: CredentialError) => void): Promise<CredentialWatch> {
    let claims: TokenClaims;
    try {
      ({ claims } = await this.#check(token));
    } catch (err) {
      const error = credentialErrorOf(err);
      onEnd(error);
      return { check: () => error, stop: () => {} };
    }
    return this.revocations.watch(claims, onEnd);
  }

  async #check(token: string): Promise<{ principal: Principal; claims: TokenClaims }> {
    const now = this.clock().getTime();
    let entry = this.#verified.get(token);
    if (entry && entry.until <= now) {
      this.#verified.delete(token);
      entry = undefined;
    }
    if (!entry) {
      const { principal, claims } = await this.#verifySignature(token);
      entry = { principal, claims, until: Math.min(claims.exp * 1000, now + VERIFIED_TOKEN_TTL_MS) };
      if (entry.until > now) {
        if (this.#verified.size >= VERIFIED_TOKEN_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
        this.#verified.set(token, entry);
      }
    }
    if (this.revocations.revokedBy(entry.claims)) throw new TokenRevokedError();
    return entry;
  }

  async #verifySignature(token: string): Promise<{ principal: Principal; claims: TokenClaims }> {
    const { payload } = await jwtVerify(token, this.#getKey, {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
      currentDate: this.clock(),
      typ: 'at+jwt',
      // A token that never expires, or does not say when it was issued or for which session, could not be revoked.
      requiredClaims: ['exp', 'iat', 'sid'],
    });
    const { sub, acc, role, app, scp, via, usr, exp, iat, iam, sid } = payload as {
      sub?: string;
      acc?: unknown;
      role?: unknown;
      app?: unknown;
      scp?: unknown;
      via?: unknown;
      usr?: unknown;
      exp: number;
      iat: number;
      iam?: unknown;
      sid: unknown;
    };
    const issued = { iat, ...(typeof iam === 'number' && Math.floor(iam / 1000) === iat ? { issuedAtMs: iam } : {}) };
    if (typeof sid !== 'string' || typeof acc !== 'string') throw new joseErrors.JWTClaimValidationFailed('missing claims', payload);
    if (sub && typeof acc === 'string' && typeof app === 'string' && Array.isArray(scp)) {
      const principal: AppPrincipal = {
        kind: 'app',
        via: via === 'oauth' || via === 'appKey' ? via : 'apiKey',
        appId: app,
        accountId: acc,
        scopes: scp.filter((s): s is string => typeof s === 'string'),
        credentialId: sub,
        ...(typeof usr === 'string' ? { userId: usr } : {}),
        ...(isRole(role) ? { role } : {}),
      };
      return { principal, claims: { ...issued, exp, sid, acc, credentialId: sub, ...(typeof usr === 'string' ? { userId: usr } : {}) } };
    }
    if (!sub || !isRole(role)) throw new joseErrors.JWTClaimValidationFailed('missing claims', payload);
    return {
      principal: { kind: 'user', userId: sub, accountId: acc, role, sessionId: sid },
      claims: { ...issued, exp, sid, acc, userId: sub },
    };
  }

  /** Reads `Authorization: Bearer`; never throws: a refused token becomes `credentialError`. */
  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<AuthState> {
    const header = headers['authorization'];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) return { principal: null, credentialError: null };
    const match = /^Bearer\s+(\S+)$/i.exec(value);
    if (!match) {
      return {
        principal: null,
        credentialError: { reason: 'AUTHORIZATION_MALFORMED', message: 'The Authorization header must be `Bearer <access token>`.' },
      };
    }
    try {
      return { principal: await this.verify(match[1]!), credentialError: null };
    } catch (err) {
      return { principal: null, credentialError: credentialErrorOf(err) };
    }
  }
}

/** A token that verified but was revoked (see `revocation.ts`). */
export class TokenRevokedError extends Error {
  constructor() {
    super(TOKEN_REVOKED.message);
  }
}

const TOKEN_INVALID: CredentialError = { reason: 'TOKEN_INVALID', message: 'Your access token is not valid: sign in again.' };

function credentialErrorOf(err: unknown): CredentialError {
  if (err instanceof joseErrors.JWTExpired) return TOKEN_EXPIRED;
  if (err instanceof TokenRevokedError) return TOKEN_REVOKED;
  return TOKEN_INVALID;
}

const isRole = (value: unknown): value is Role => value === 'MAIN' || value === 'MEMBER' || value === 'SERVICE_ADMIN';
