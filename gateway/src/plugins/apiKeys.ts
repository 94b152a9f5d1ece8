import { createHash } from 'node:crypto';
import type { CredentialError } from '@iris/core';

interface CachedToken {
  accessToken: string;
  /** When to stop reusing it: a little before it expires. */
  refreshAt: number;
}

export type ApiKeyExchangeResult = { ok: true; accessToken: string } | { ok: false; error: CredentialError };

const EXCHANGE = `mutation IrisExchangeApiKey($input: ExchangeApiKeyInput!) { exchangeApiKey(input: $input) { accessToken expiresAt } }`;

/**
 * App servers send an API key (`api_key`, as in the profiles API). The gateway trades it with identity
 * for a short-lived access token carrying the app and its scopes, and forwards that token, so every
 * subgraph verifies one kind of credential. Tokens are cached by the key's hash until shortly before
 * they expire; revoking the key (or deactivating its account) revokes its tokens too, and a refused
 * cached token is dropped (`forget`) and the key traded again, so a revoked key stops within seconds.
 */
export class ApiKeyExchange {
  readonly #cache = new Map<string, CachedToken>();

  constructor(
    private readonly identityUrl: string,
    private readonly options: { maxEntries?: number; clock?: () => number } = {},
  ) {}

  /** Drops the token cached for a key, so the next request trades it again (its token was refused). */
  forget(apiKey: string): void {
    this.#cache.delete(createHash('sha256').update(apiKey).digest('hex'));
  }

  async exchange(apiKey: string, requestId: string): Promise<ApiKeyExchangeResult> {
    const now = (this.options.clock ?? Date.now)();
    const cacheKey = createHash('sha256').update(apiKey).digest('hex');
    const cached = this.#cache.get(cacheKey);
    if (cached && cached.refreshAt > now) return { ok: true, accessToken: cached.accessToken };
    this.#cache.delete(cacheKey);

    const response = await fetch(this.identityUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ query: EXCHANGE, variables: { input: { apiKey } } }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await response.json()) as {
      data?: { exchangeApiKey?: { accessToken: string; expiresAt: string } } | null;
      errors?: { message: string; extensions?: { reason?: string } }[];
    };
    const token = body.data?.exchangeApiKey;
    if (!token) {
      const refusal = body.errors?.[0];
      const reason = refusal?.extensions?.reason === 'ACCOUNT_DEACTIVATED' ? 'ACCOUNT_DEACTIVATED' : 'API_KEY_INVALID';
      return { ok: false, error: { reason, message: refusal?.message ?? 'This API key is not valid.' } };
    }

    const lifetime = new Date(token.expiresAt).getTime() - now;
    this.#cache.set(cacheKey, { accessToken: token.accessToken, refreshAt: now + lifetime * 0.8 });
    const maxEntries = this.options.maxEntries ?? 10_000;
    // Map keeps insertion order: the first key is the oldest entry.
    if (this.#cache.size > maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
    return { ok: true, accessToken: token.accessToken };
  }
}
