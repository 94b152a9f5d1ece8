import type { AccessTokenVerifier, AuthState } from '@iris/core';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyExchange } from './apiKeys.js';

/**
 * Who is calling, and what to forward. A bearer token is verified here (for logs and limits) and
 * forwarded unchanged; an `api_key` is traded for an access token (see `ApiKeyExchange`) that is
 * forwarded instead. Each subgraph verifies the token again and enforces its own policy, so a
 * request that bypasses the gateway gains nothing.
 */
export async function authenticateRequest(
  verifier: AccessTokenVerifier,
  apiKeys: ApiKeyExchange,
  headers: IncomingHttpHeaders,
  requestId: string,
): Promise<{ auth: AuthState; forwardHeaders: Record<string, string> }> {
  const apiKey = headers['api_key'] ?? headers['api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0 && !headers.authorization) {
    const exchanged = await apiKeys.exchange(apiKey, requestId);
    if (!exchanged.ok) return { auth: { principal: null, credentialError: exchanged.error }, forwardHeaders: {} };
    const authorization = `Bearer ${exchanged.accessToken}`;
    return { auth: await verifier.authenticate({ authorization }), forwardHeaders: { authorization } };
  }
  const authorization = headers.authorization;
  return {
    auth: await verifier.authenticate(headers),
    forwardHeaders: typeof authorization === 'string' && authorization ? { authorization } : {},
  };
}
