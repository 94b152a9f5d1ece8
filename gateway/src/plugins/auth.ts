import type { AccessTokenVerifier, AuthState } from '@iris/core';
import type { IncomingHttpHeaders } from 'node:http';

/** Headers that carry a caller's credentials; the gateway forwards exactly these. */
export const CREDENTIAL_HEADERS = ['authorization', 'api_key'] as const;

/**
 * The gateway verifies the bearer token itself (to know the principal for logs and limits) and
 * forwards the credentials unchanged: each subgraph verifies them again and enforces its own policy,
 * so a request that bypasses the gateway gains nothing.
 */
export async function authenticateRequest(
  verifier: AccessTokenVerifier,
  headers: IncomingHttpHeaders,
): Promise<{ auth: AuthState; forwardHeaders: Record<string, string> }> {
  const forwardHeaders: Record<string, string> = {};
  for (const name of CREDENTIAL_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value.length > 0) forwardHeaders[name] = value;
  }
  return { auth: await verifier.authenticate(headers), forwardHeaders };
}
