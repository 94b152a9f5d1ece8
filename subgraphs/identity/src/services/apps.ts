import {
  badUserInput,
  displayName,
  notFound,
  parseInput,
  signAccessToken,
  unauthenticated,
  type Config,
  type Scope,
  type TenantScope,
  type TokenKeys,
} from '@iris/core';
import type { AppModel, Outbox, SqlClient } from '@iris/db';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { IdentityData } from '../data/index.js';
import { hashSecret, newSecret, sameHash } from './secrets.js';
import { isSafeRedirectUri, REDIRECT_URI_RULE } from './oauth.js';
import type { RevocationsService } from './revocations.js';

type Clock = () => Date;

/** GraphQL enum value → the scope string carried in tokens and checked by `@requiresScope`. */
export const SCOPES = { PROFILES_READ: 'profiles:read', PROFILES_WRITE: 'profiles:write', USERDATA_DELETE: 'userdata:delete' } as const;
export type ApiKeyScope = keyof typeof SCOPES;
export const scopeEnum = (scope: string) => Object.entries(SCOPES).find(([, value]) => value === scope)?.[0] as ApiKeyScope;

/**
 * GraphQL enum `AppKeyScope` → the scope an app-key token carries (from the one vocabulary in `@iris/core`):
 * what the seed lets an app do with its own credential, for its own account. Never `user:read`: an app
 * key acts for no user.
 */
export const APP_KEY_SCOPES = {
  PROFILES_READ: 'profiles:read',
  PROFILES_WRITE: 'profiles:write',
  USERDATA_DELETE: 'userdata:delete',
  DEVICES_READ: 'devices:read',
  MARKS_READ: 'marks:read',
  NOTIFICATIONS_READ: 'notifications:read',
} as const satisfies Record<string, Scope>;
export type AppKeyScope = keyof typeof APP_KEY_SCOPES;
/** An app key's scope strings → `AppKeyScope` values, in the enum's order. */
export const appKeyScopeEnums = (scopes: readonly string[]): AppKeyScope[] =>
  (Object.keys(APP_KEY_SCOPES) as AppKeyScope[]).filter((name) => scopes.includes(APP_KEY_SCOPES[name]));
const appKeyScopes = z
  .array(z.enum(Object.keys(APP_KEY_SCOPES) as [AppKeyScope, ...AppKeyScope[]]))
  .min(1, 'needs at least one scope')
  // Stored once each, in the vocabulary's order.
  .transform((names) =>
    (Object.keys(APP_KEY_SCOPES) as AppKeyScope[]).filter((name) => names.includes(name)).map((name) => APP_KEY_SCOPES[name]),
  );

/**
 * What an app-key token's `sub` (and revocation) names: one key of one app with one set of scopes.
 * Revocations count in whole seconds, so naming the scopes too keeps a token traded just after a scope
 * change from being refused by the revocation of the tokens that carried the old scopes.
 */
const appKeyCredentialId = (app: Pick<AppModel, 'id' | 'appKeyScopes'>, keyHash: string) =>
  `appkey:${app.id}:${createHash('sha256')
    .update(`${keyHash} ${app.appKeyScopes.join(' ')}`)
    .digest('hex')
    .slice(0, 16)}`;

const INVALID_APP_KEY =
  'This app_id and app_key are not valid: the key was rotated (and its grace period is over), the app is inactive, or either was mistyped.';

const redirectUri = z.string().max(2_000, 'must be at most 2000 characters').refine(isSafeRedirectUri, REDIRECT_URI_RULE);
const appFields = {
  name: displayName(z),
  description: z.string().trim().max(1_000, 'must be at most 1000 characters').nullish(),
  platform: z.enum(['ANDROID', 'IOS', 'WINDOWS', 'HTML5']),
  kind: z.enum(['PURCHASED', 'TRIAL']),
  redirectUris: z.array(redirectUri).max(10, 'at most 10 redirect URIs').nullish(),
  appKeyScopes: appKeyScopes.nullish(),
};
const registerAppInput = z.object({
  ...appFields,
  id: z
    .string()
    // Case is kept as written (the document's examples use `MyApp`); uniqueness ignores it.
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{2,63}$/, 'must be 3 to 64 of A-Z, a-z, 0-9 and -, starting with a letter or digit')
    .nullish(),
});
const updateAppInput = z.object({
  id: z.string().min(1),
  name: appFields.name.nullish(),
  description: appFields.description,
  platform: appFields.platform.nullish(),
  kind: appFields.kind.nullish(),
  redirectUris: appFields.redirectUris,
  appKeyScopes: appFields.appKeyScopes,
});
const createApiKeyInput = z.object({
  appId: z.string().min(1),
  name: displayName(z),
  scopes: z.array(z.enum(['PROFILES_READ', 'PROFILES_WRITE', 'USERDATA_DELETE'])).min(1, 'needs at least one scope'),
});

/** Developer apps (app id and key) and API keys for app servers. */
export function createAppsService(
  data: IdentityData,
  keys: TokenKeys,
  config: Config,
  clock: Clock,
  revocations: RevocationsService,
  outbox: Outbox,
) {
  const { apps } = data;
  /** The change and the revocations it implies, in one transaction. */
  const transaction = data.accounts.transaction;

  /** Ends the tokens traded for the app's current and previous keys (scopes changed, app deactivated), in `tx`. */
  async function revokeAppKeyTokens(tx: SqlClient, app: AppModel): Promise<void> {
    const hashes = [app.keyHash, app.previousKeyHash].filter((hash): hash is string => !!hash);
    if (hashes.length > 0)
      await revocations.revoke(
        tx,
        'credential',
        hashes.map((hash) => appKeyCredentialId(app, hash)),
      );
  }

  /** The app, if the caller's tenant owns it; otherwise NOT_FOUND, as if it did not exist. */
  async function ownedApp(id: string, scope: TenantScope): Promise<AppModel> {
    const app = await apps.appById(id);
    if (!app || !(scope.all || scope.accountIds.includes(app.accountId))) throw notFound('App', id);
    return app;
  }

  return {
    ownedApp,

    async register(accountId: string, raw: unknown) {
      const input = parseInput(registerAppInput, raw);
      const id = input.id ?? `app-${randomBytes(6).toString('hex')}`;
      const taken = await apps.appByIdIgnoringCase(id);
      if (taken)
        throw badUserInput(
          `input.id: the app id "${id}" is taken${taken.id === id ? '' : ` (by "${taken.id}": app ids differing only in case are one)`}.`,
          'input.id',
        );
      const appKey = newSecret('iak');
      // The app and its owner's link (profiles shows an app to the accounts linked to it), in one transaction.
      const app = await transaction(async (tx) => {
        const created = await apps.createApp(
          {
            id,
            accountId,
            name: input.name,
            description: input.description ?? null,
            platform: input.platform,
            kind: input.kind,
            redirectUris: input.redirectUris ?? [],
            keyHash: hashSecret(appKey),
            ...(input.appKeyScopes ? { appKeyScopes: input.appKeyScopes } : {}),
          },
          tx,
        );
        await outbox.enqueue(tx, 'app.accountLinked', { appId: created.id, accountId });
        return created;
      });
      return { app, appKey, previousKeyValidUntil: null };
    },

    async update(raw: unknown, scope: TenantScope) {
      const { id, ...changes } = parseInput(updateAppInput, raw);
      const app = await ownedApp(id, scope);
      return transaction(async (tx) => {
        const updated = await apps.updateApp(
          id,
          Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined && v !== null)),
          tx,
        );
        // Tokens already traded carry the old scopes: they stop, and the gateway trades the key again.
        if (changes.appKeyScopes) await revokeAppKeyTokens(tx, app);
        return updated;
      });
    },

    async setStatus(id: string, active: boolean, scope: TenantScope) {
      const app = await ownedApp(id, scope);
      return transaction(async (tx) => {
        const updated = await apps.updateApp(id, { active }, tx);
        if (!active) await revokeAppKeyTokens(tx, app);
        return updated;
      });
    },

    /**
     * A new key; the current one becomes the previous key and keeps working for the grace period
     * (APP_KEY_ROTATION_GRACE_SECONDS), so servers move to the new key without downtime. A key that was
     * already the previous one stops at once, with the tokens traded for it.
     */
    async rotateKey(id: string, scope: TenantScope) {
      const app = await ownedApp(id, scope);
      const appKey = newSecret('iak');
      const now = clock();
      const graceMs = config.APP_KEY_ROTATION_GRACE_SECONDS * 1000;
      const previousKeyExpiresAt = app.keyHash && graceMs > 0 ? new Date(now.getTime() + graceMs) : null;
      const updated = await transaction(async (tx) => {
        const rotated = await apps.updateApp(
          id,
          { keyHash: hashSecret(appKey), previousKeyHash: previousKeyExpiresAt ? app.keyHash : null, previousKeyExpiresAt },
          tx,
        );
        if (app.previousKeyHash) await revocations.revoke(tx, 'credential', appKeyCredentialId(app, app.previousKeyHash));
        if (app.keyHash && !previousKeyExpiresAt) await revocations.revoke(tx, 'credential', appKeyCredentialId(app, app.keyHash));
        return rotated;
      });
      return { app: updated, appKey, previousKeyValidUntil: previousKeyExpiresAt };
    },

    /**
     * An app's own credential (app_id + app_key), traded for a short-lived access token carrying the
     * scopes its account chose for the app key. The previous key works too until its grace period ends.
     */
    async exchangeAppKey(appId: string, appKey: string) {
      const app = await apps.appById(appId);
      const now = clock();
      const presented = hashSecret(appKey);
      const keyHash =
        app?.keyHash && sameHash(presented, app.keyHash)
          ? app.keyHash
          : app?.previousKeyHash && app.previousKeyExpiresAt && app.previousKeyExpiresAt > now && sameHash(presented, app.previousKeyHash)
            ? app.previousKeyHash
            : null;
      if (!app || !keyHash || !app.active) throw unauthenticated({ reason: 'APP_KEY_INVALID', message: INVALID_APP_KEY });
      if (!(await apps.accountIsActive(app.accountId))) {
        throw unauthenticated({
          reason: 'ACCOUNT_DEACTIVATED',
          message: "This app's account is deactivated: a service admin can activate it again.",
        });
      }
      const token = await signAccessToken(
        keys,
        { ...config, ACCESS_TOKEN_TTL_SECONDS: config.API_KEY_TOKEN_TTL_SECONDS },
        {
          kind: 'app',
          via: 'appKey',
          appId: app.id,
          accountId: app.accountId,
          scopes: app.appKeyScopes,
          credentialId: appKeyCredentialId(app, keyHash),
        },
        now,
      );
      return { accessToken: token.token, expiresAt: token.expiresAt };
    },

    async createApiKey(raw: unknown, scope: TenantScope) {
      const input = parseInput(createApiKeyInput, raw);
      const app = await ownedApp(input.appId, scope);
      const secret = newSecret('iris');
      const apiKey = await apps.createApiKey({
        appId: app.id,
        accountId: app.accountId,
        name: input.name,
        prefix: secret.slice(0, 12),
        secretHash: hashSecret(secret),
        scopes: [...new Set(input.scopes)].map((s) => SCOPES[s]),
      });
      return { apiKey, secret };
    },

    async revokeApiKey(id: string, scope: TenantScope) {
      const [apiKey] = await apps.apiKeysByIds([id], scope);
      if (!apiKey) throw notFound('ApiKey', id);
      return transaction(async (tx) => {
        const revoked = apiKey.revokedAt ? apiKey : await apps.revokeApiKey(id, clock(), tx);
        // The tokens already traded for the key stop too, not when they expire.
        await revocations.revoke(tx, 'credential', id);
        return revoked;
      });
    },

    /** An app server's API key, traded for a short-lived access token carrying the app and scopes. */
    async exchangeApiKey(secret: string) {
      const key = await apps.apiKeyBySecretHash(hashSecret(secret));
      if (!key || key.revokedAt || !key.app.active) {
        throw unauthenticated({
          reason: 'API_KEY_INVALID',
          message: 'This API key is not valid: it was revoked, its app is inactive, or it was mistyped.',
        });
      }
      // Deactivating an account stops its keys here; the tokens already traded for them are revoked with the account.
      if (!key.account.active) {
        throw unauthenticated({
          reason: 'ACCOUNT_DEACTIVATED',
          message: "This API key's account is deactivated: a service admin can activate it again.",
        });
      }
      const now = clock();
      await apps.touchApiKey(key.id, now);
      const token = await signAccessToken(
        keys,
        { ...config, ACCESS_TOKEN_TTL_SECONDS: config.API_KEY_TOKEN_TTL_SECONDS },
        { kind: 'app', via: 'apiKey', appId: key.appId, accountId: key.accountId, scopes: key.scopes, apiKeyId: key.id },
        now,
      );
      return { accessToken: token.token, expiresAt: token.expiresAt };
    },
  };
}

export type AppsService = ReturnType<typeof createAppsService>;
