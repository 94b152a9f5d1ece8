import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  badUserInput,
  ErrorCode,
  forbidden,
  IrisError,
  notFound,
  signAccessToken,
  unauthenticated,
  type Config,
  type OidcProvider,
  type TokenKeys,
} from '@iris/core';
import type { AccountModel, Outbox, ScopedTransaction, UserModel } from '@iris/db';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { IdentityData } from '../data/index.js';
import { normaliseEmail } from '../data/accounts.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { hashSecret, newSecret, sameHash } from './secrets.js';
import type { AuthPayload } from '../mappers.js';
import { consentedScopes, isSafeRedirectUri, OPENID_SCOPE, REDIRECT_URI_RULE, signIdToken, userOfIdTokenHint } from './oauth.js';
import type { RevocationsService } from './revocations.js';

type Clock = () => Date;
type UserWithAccount = UserModel & { account: AccountModel };

const WRONG_CREDENTIALS = 'The email or password is incorrect.';
const INVALID_REFRESH = 'This refresh token is not valid: sign in again.';
const AUTHORIZATION_CODE_TTL_MS = 60_000;

/**
 * Sign-in and sessions: password sign-in with throttling, refresh-token rotation with reuse
 * detection, one-time login tokens, OpenID Connect ID tokens, and OAuth authorization codes (PKCE).
 */
export function createSessionsService(
  data: IdentityData,
  keys: TokenKeys,
  config: Config,
  clock: Clock,
  revocations: RevocationsService,
  outbox: Outbox,
) {
  const { sessions, accounts } = data;
  /** Ends a session and its access tokens, in one transaction; how many refresh tokens it ended. */
  const endSession = (familyId: string, now: Date) =>
    sessions.transaction(async (tx) => {
      const ended = await sessions.revokeFamily(familyId, now, tx);
      await revocations.revoke(tx, 'session', familyId);
      return ended;
    });
  const providers = new Map((config.OIDC_PROVIDERS ?? []).map((p) => [p.issuer, { provider: p, keys: providerKeys(p) }]));

  /**
   * A new access token and a refresh token of the given family (a new family for a new sign-in). With
   * `appId` (OAuth) the access token is the app's, carrying exactly the scopes the user consented to and
   * none of the user's role power; its refresh tokens keep the app and the scopes.
   */
  async function issue(
    tx: ScopedTransaction<'identity'>,
    user: UserModel,
    options: { familyId?: string; appId?: string | null; scopes?: readonly string[] } = {},
  ): Promise<AuthPayload> {
    const now = clock();
    // The refresh-token family is the session: its id is the access token's `sid`, what logout revokes.
    const familyId = options.familyId ?? randomUUID();
    const grant = options.appId ? { appId: options.appId, scopes: [...(options.scopes ?? [])] } : undefined;
    const access = await signAccessToken(
      keys,
      config,
      grant
        ? {
            kind: 'app',
            via: 'oauth',
            appId: grant.appId,
            accountId: user.accountId,
            userId: user.id,
            role: user.role,
            scopes: grant.scopes,
            credentialId: familyId,
          }
        : { kind: 'user', userId: user.id, accountId: user.accountId, role: user.role, sessionId: familyId },
      now,
    );
    const refreshToken = newSecret('irt');
    const refreshTokenExpiresAt = new Date(now.getTime() + config.REFRESH_TOKEN_TTL_SECONDS * 1000);
    await sessions.createRefreshToken(tx, {
      familyId,
      userId: user.id,
      tokenHash: hashSecret(refreshToken),
      expiresAt: refreshTokenExpiresAt,
      appId: grant?.appId ?? null,
      scopes: grant?.scopes ?? [],
    });
    // OpenID Connect: an app granted `openid` also learns who signed in, at every exchange and refresh.
    const idToken = grant?.scopes.includes(OPENID_SCOPE)
      ? await signIdToken(keys, config, { userId: user.id, appId: grant.appId, sessionId: familyId }, now)
      : undefined;
    return {
      accessToken: access.token,
      expiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt,
      user,
      ...(grant ? { grant } : {}),
      ...(idToken ? { idToken } : {}),
    };
  }

  function requireActive(user: UserWithAccount): void {
    if (!user.account.active) {
      throw forbidden('This account is not activated: verify it with the emailed code, or ask a service admin to activate it.');
    }
  }

  const withoutAccount = ({ account: _account, ...user }: UserWithAccount): UserModel => user;

  return {
    issue,

    async login(input: { email: string; password: string }): Promise<AuthPayload> {
      const throttleKey = hashSecret(normaliseEmail(input.email));
      const now = clock();
      const throttle = await sessions.throttle(throttleKey);
      if (throttle?.lockedUntil && throttle.lockedUntil > now) {
        const retryAfterSeconds = Math.ceil((throttle.lockedUntil.getTime() - now.getTime()) / 1000);
        throw new IrisError(ErrorCode.RATE_LIMITED, `Too many failed sign-ins for this email. Try again in ${retryAfterSeconds} seconds.`, {
          retryAfterSeconds,
        });
      }
      const user = await accounts.userByEmail(input.email);
      // The same work and the same answer whether or not the email exists.
      const valid = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash()));
      if (!user || !valid) {
        await sessions.recordFailure(throttleKey, now, config.LOGIN_MAX_FAILURES, config.LOGIN_LOCK_SECONDS);
        // Each failure in a row answers a little later, whether or not the email exists.
        await sleep(Math.min(2_000, 100 * ((throttle?.failures ?? 0) + 1)));
        throw new IrisError(ErrorCode.UNAUTHENTICATED, WRONG_CREDENTIALS);
      }
      if (throttle) await sessions.clearFailures(throttleKey);
      requireActive(user);
      return sessions.transaction((tx) => issue(tx, withoutAccount(user)));
    },

    async refresh(refreshToken: string): Promise<AuthPayload> {
      const row = await sessions.refreshTokenByHash(hashSecret(refreshToken));
      const now = clock();
      if (!row || row.revokedAt || row.expiresAt <= now) throw unauthenticated(INVALID_REFRESH);
      if (row.usedAt) {
        // A used token presented again means it leaked: end the whole session for everyone holding it.
        await endSession(row.familyId, now);
        throw unauthenticated('This refresh token was already used, so its session has been ended for safety. Sign in again.');
      }
      requireActive(row.user);
      const payload = await sessions.transaction(async (tx) => {
        if (!(await sessions.useRefreshToken(tx, row.id, now))) return null;
        return issue(tx, withoutAccount(row.user), { familyId: row.familyId, appId: row.appId, scopes: row.scopes });
      });
      if (!payload) {
        await endSession(row.familyId, now);
        throw unauthenticated('This refresh token was already used, so its session has been ended for safety. Sign in again.');
      }
      return payload;
    },

    async logout(refreshToken: string): Promise<boolean> {
      const row = await sessions.refreshTokenByHash(hashSecret(refreshToken));
      if (!row) return false;
      // Also when the session had ended already: a logout repeated revokes its access tokens again.
      return (await endSession(row.familyId, clock())) > 0;
    },

    /**
     * RP-initiated logout (OpenID Connect): ends the user's OAuth sessions of one app, their refresh
     * tokens and, through revocation, their access tokens. `redirectUri`, when given, must be one the app
     * registered, checked before anything ends, so the logout cannot be turned into an open redirect.
     * The user is the one `idTokenHint` names (a browser holds no other credential), else `callerId`.
     */
    async logoutClient(
      callerId: string | undefined,
      input: { clientId: string; redirectUri?: string | null; idTokenHint?: string | null },
    ): Promise<{ sessionsEnded: number; redirectTo: string | null }> {
      const app = await data.apps.appById(input.clientId);
      if (!app) throw badUserInput(`input.clientId: there is no app with id "${input.clientId}".`, 'input.clientId');
      if (input.redirectUri != null && !app.redirectUris.includes(input.redirectUri)) {
        throw badUserInput('input.redirectUri: is not one of the redirect URIs registered for this app.', 'input.redirectUri');
      }
      const hinted = input.idTokenHint == null ? undefined : await userOfIdTokenHint(keys, config, input.idTokenHint, app.id, clock());
      if (input.idTokenHint != null && !hinted) {
        throw badUserInput(
          'input.idTokenHint: is not an ID token Iris issued to this app (or it is older than a session lives); pass the `idToken` the app received with its tokens.',
          'input.idTokenHint',
        );
      }
      if (hinted && callerId !== undefined && callerId !== hinted)
        throw badUserInput('input.idTokenHint: names another user than the one signed in.', 'input.idTokenHint');
      const userId = hinted ?? callerId;
      if (userId === undefined)
        throw unauthenticated('Sign in, or pass `idTokenHint` (`id_token_hint`): an ID token the app received for the user.');
      const families = await sessions.transaction(async (tx) => {
        const ended = await sessions.revokeAppSessions(tx, userId, app.id, clock());
        if (ended.length > 0) await revocations.revoke(tx, 'session', ended);
        return ended;
      });
      return { sessionsEnded: families.length, redirectTo: input.redirectUri ?? null };
    },

    async createLoginToken(userId: string): Promise<{ token: string; expiresAt: Date }> {
      // The token's user may have been removed since it signed in: say so instead of failing on the reference.
      if (!(await accounts.userById(userId))) throw notFound('User', userId);
      const token = newSecret('ilt');
      const expiresAt = new Date(clock().getTime() + config.LOGIN_TOKEN_TTL_SECONDS * 1000);
      await sessions.createLoginToken({ userId, tokenHash: hashSecret(token), expiresAt });
      return { token, expiresAt };
    },

    async loginWithToken(token: string): Promise<AuthPayload> {
      const payload = await sessions.transaction(async (tx) => {
        const userId = await sessions.useLoginToken(tx, hashSecret(token), clock());
        if (!userId) return null;
        const user = await accounts.userById(userId, tx);
        if (!user) return null;
        requireActive(user);
        return issue(tx, withoutAccount(user));
      });
      if (!payload) throw unauthenticated('This login token is not valid: it was used already or has expired. Create a new one.');
      return payload;
    },

    async loginWithIdToken(idToken: string): Promise<AuthPayload> {
      let issuer: string | undefined;
      try {
        issuer = decodeJwt(idToken).iss;
      } catch {
        throw badUserInput('input.idToken: is not a JWT.', 'input.idToken');
      }
      const entry = issuer ? providers.get(issuer) : undefined;
      if (!entry) throw unauthenticated('This ID token comes from a provider Iris is not configured to trust.');
      let claims: { sub?: string; email?: unknown; email_verified?: unknown; name?: unknown };
      try {
        ({ payload: claims } = await jwtVerify(idToken, entry.keys, {
          issuer: entry.provider.issuer,
          audience: entry.provider.audience,
          currentDate: clock(),
        }));
      } catch {
        throw unauthenticated('This ID token is not valid (signature, audience or expiry): sign in with the provider again.');
      }
      if (!claims.sub) throw unauthenticated('This ID token has no subject.');
      const linked = await sessions.externalIdentity(entry.provider.issuer, claims.sub);
      if (linked) {
        requireActive(linked.user);
        return sessions.transaction((tx) => issue(tx, withoutAccount(linked.user)));
      }
      const email = typeof claims.email === 'string' ? normaliseEmail(claims.email) : null;
      if (!email || claims.email_verified !== true) {
        throw unauthenticated('The provider did not confirm an email address for this account, so Iris cannot link it.');
      }
      const subject = claims.sub;
      const existing = await accounts.userByEmail(email);
      return sessions.transaction(async (tx) => {
        let user: UserModel;
        if (existing) {
          requireActive(existing);
          user = withoutAccount(existing);
        } else {
          const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 100) : email;
          const account = await accounts.createAccountWithMainUser(tx, { accountName: name, email, passwordHash: null, active: true });
          user = account.users[0]!;
          // Devices keeps who belongs to which account (to check shares).
          await outbox.enqueue(tx, 'account.userAdded', { accountId: user.accountId, userId: user.id, email: user.email });
        }
        await sessions.linkExternalIdentity(tx, { issuer: entry.provider.issuer, subject, userId: user.id });
        return issue(tx, user);
      });
    },

    async authorizeApp(
      userId: string,
      input: {
        appId: string;
        redirectUri: string;
        codeChallenge: string;
        codeChallengeMethod: string;
        state?: string | null;
        scopes: readonly string[];
      },
    ): Promise<{ code: string; redirectTo: string }> {
      const app = await data.apps.appById(input.appId);
      if (!app || !app.active) throw badUserInput(`No active app with id "${input.appId}".`, 'input.appId');
      // Checked here too: apps registered before the rule may hold such URIs.
      if (!isSafeRedirectUri(input.redirectUri)) throw badUserInput(`input.redirectUri: ${REDIRECT_URI_RULE}.`, 'input.redirectUri');
      const scopes = consentedScopes(input.scopes, 'input.scopes');
      if (!app.redirectUris.includes(input.redirectUri)) {
        throw badUserInput('input.redirectUri: is not one of the redirect URIs registered for this app.', 'input.redirectUri');
      }
      if (input.codeChallengeMethod !== 'S256') {
        throw badUserInput('input.codeChallengeMethod: only S256 is accepted (RFC 7636).', 'input.codeChallengeMethod');
      }
      if (!/^[A-Za-z0-9_-]{43}$/.test(input.codeChallenge)) {
        throw badUserInput('input.codeChallenge: must be BASE64URL(SHA256(code_verifier)), 43 characters.', 'input.codeChallenge');
      }
      const code = newSecret('iac');
      await sessions.createAuthorizationCode({
        codeHash: hashSecret(code),
        appId: app.id,
        userId,
        redirectUri: input.redirectUri,
        codeChallenge: input.codeChallenge,
        scopes,
        expiresAt: new Date(clock().getTime() + AUTHORIZATION_CODE_TTL_MS),
      });
      const redirectTo = new URL(input.redirectUri);
      redirectTo.searchParams.set('code', code);
      if (input.state) redirectTo.searchParams.set('state', input.state);
      return { code, redirectTo: redirectTo.toString() };
    },

    async exchangeAuthorizationCode(input: {
      appId: string;
      code: string;
      codeVerifier: string;
      redirectUri: string;
    }): Promise<AuthPayload> {
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(input.codeVerifier)) {
        throw badUserInput('input.codeVerifier: must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636).', 'input.codeVerifier');
      }
      const payload = await sessions.transaction(async (tx) => {
        const grant = await sessions.useAuthorizationCode(tx, hashSecret(input.code), clock());
        if (!grant || grant.appId !== input.appId || grant.redirectUri !== input.redirectUri) return null;
        const challenge = createHash('sha256').update(input.codeVerifier).digest('base64url');
        if (!sameHash(Buffer.from(challenge).toString('hex'), Buffer.from(grant.codeChallenge).toString('hex'))) return null;
        const user = await accounts.userById(grant.userId, tx);
        if (!user) return null;
        requireActive(user);
        return issue(tx, withoutAccount(user), { appId: grant.appId, scopes: grant.scopes });
      });
      if (!payload)
        throw unauthenticated('This authorization code is not valid for this app, redirect URI and verifier, or was used already.');
      return payload;
    },

    /**
     * After a password change or reset: every session of the user but `keepSessionId` (the one changing
     * it) ends, with their access tokens, in the caller's transaction.
     */
    endOtherSessions: async (tx: ScopedTransaction<'identity'>, userId: string, keepSessionId?: string) => {
      const ended = await sessions.revokeUserSessions(tx, userId, clock(), keepSessionId);
      if (ended.length > 0) await revocations.revoke(tx, 'session', ended);
    },
  };
}

function providerKeys(provider: OidcProvider): JWTVerifyGetKey {
  if (provider.jwks) return createLocalJWKSet(provider.jwks as never);
  return createRemoteJWKSet(new URL(provider.jwksUrl!));
}

export type SessionsService = ReturnType<typeof createSessionsService>;
