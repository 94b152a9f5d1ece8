import { createHash } from 'node:crypto';
import type { CredentialError } from '@iris/core';
import type { Subgraphs } from '../upstream/subgraphs.js';

interface CachedToken {
  accessToken: string;
  /** When to stop reusing it: a little before it expires. */
  refreshAt: number;
}

export type ApiKeyExchangeResult = { ok: true; accessToken: string } | { ok: false; error: CredentialError };

/** An app server's own credential: an API key (`api_key`), or the app's `app_id` + `app_key`. */
export type AppCredential = { kind: 'apiKey'; apiKey: string } | { kind: 'appKey'; appId: string; appKey: string };

/** How identity trades each kind, and what a refusal says when identity gives no reason of its own. */
const EXCHANGES = {
  apiKey: {
    query: `mutation IrisExchangeApiKey($input: ExchangeApiKeyInput!) { exchangeApiKey(input: $input) { accessToken expiresAt } }`,
    operationName: 'IrisExchangeApiKey',
    field: 'exchangeApiKey',
    refusal: { reason: 'API_KEY_INVALID', message: 'This API key is not valid.' },
  },
  appKey: {
    query: `mutation IrisExchangeAppKey($input: ExchangeAppKeyInput!) { exchangeAppKey(input: $input) { accessToken expiresAt } }`,
    operationName: 'IrisExchangeAppKey',
    field: 'exchangeAppKey',
    refusal: { reason: 'APP_KEY_INVALID', message: 'This app_id and app_key are not valid.' },
  },
} as const;

/** The cache key: a hash, so no secret stays in memory as a map key; the app id is part of an app key's. */
function cacheKeyOf(credential: AppCredential): string {
  const material = credential.kind === 'apiKey' ? credential.apiKey : `appKey\0${credential.appId}\0${credential.appKey}`;
  return createHash('sha256').update(material).digest('hex');
}

/**
 * App servers send an API key (`api_key`, as in the profiles API) or their app's `app_id` + `app_key`
 * (the camera document's credential). The gateway trades either with identity for a short-lived access
 * token carrying the app and its scopes, and forwards that token, so every subgraph verifies one kind
 * of credential. Tokens are cached by the key's hash until shortly before
 * they expire; revoking the key (or deactivating its account) revokes its tokens too, and a refused
 * cached token is dropped (`forget`) and the key traded again, so a revoked key stops within seconds.
 * Identity is called as every subgraph is (`Subgraphs.request`): with its timeout and circuit breaker,
 * counted in its metrics.
 */
export class ApiKeyExchange {
  readonly #cache = new Map<string, CachedToken>();

  constructor(
    private readonly subgraphs: Pick<Subgraphs, 'request'>,
    private readonly options: { maxEntries?: number; clock?: () => number } = {},
  ) {}

  /** Drops the token cached for a credential, so the next request trades it again (its token was refused). */
  forget(credential: AppCredential): void {
    this.#cache.delete(cacheKeyOf(credential));
  }

  async exchange(credential: AppCredential, requestId: string): Promise<ApiKeyExchangeResult> {
    const now = (this.options.clock ?? Date.now)();
    const cacheKey = cacheKeyOf(credential);
    const cached = this.#cache.get(cacheKey);
    if (cached && cached.refreshAt > now) return { ok: true, accessToken: cached.accessToken };
    this.#cache.delete(cacheKey);

    const exchange = EXCHANGES[credential.kind];
    const input = credential.kind === 'apiKey' ? { apiKey: credential.apiKey } : { appId: credential.appId, appKey: credential.appKey };
    const body = await this.subgraphs.request<Record<string, { accessToken: string; expiresAt: string } | null>>(
      'identity',
      { query: exchange.query, operationName: exchange.operationName, variables: { input } },
      requestId,
    );
    const token = body.data?.[exchange.field];
    if (!token) {
      const refusal = body.errors?.[0];
      const reason = refusal?.extensions?.reason === 'ACCOUNT_DEACTIVATED' ? 'ACCOUNT_DEACTIVATED' : exchange.refusal.reason;
      return { ok: false, error: { reason, message: refusal?.message ?? exchange.refusal.message } };
    }

    const lifetime = new Date(token.expiresAt).getTime() - now;
    this.#cache.set(cacheKey, { accessToken: token.accessToken, refreshAt: now + lifetime * 0.8 });
    const maxEntries = this.options.maxEntries ?? 10_000;
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.#cache.size > maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
    return { ok: true, accessToken: token.accessToken };
  }
}
