import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, type AccessTokenVerifier, type AuthState } from '@iris/core';
import type { GraphQLFormattedError } from 'graphql';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayContext } from '../context.js';
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
    let exchanged = await apiKeys.exchange(apiKey, requestId);
    let auth = exchanged.ok ? await verifier.authenticate({ authorization: `Bearer ${exchanged.accessToken}` }) : null;
    // The token cached for the key was revoked (the key revoked, its account deactivated): ask identity
    // again, which says why the key no longer works, or trades it anew.
    if (exchanged.ok && auth?.credentialError) {
      apiKeys.forget(apiKey);
      exchanged = await apiKeys.exchange(apiKey, requestId);
      auth = exchanged.ok ? await verifier.authenticate({ authorization: `Bearer ${exchanged.accessToken}` }) : null;
    }
    if (!exchanged.ok) return { auth: { principal: null, credentialError: exchanged.error }, forwardHeaders: {} };
    return { auth: auth!, forwardHeaders: { authorization: `Bearer ${exchanged.accessToken}` } };
  }
  const authorization = headers.authorization;
  return {
    auth: await verifier.authenticate(headers),
    forwardHeaders: typeof authorization === 'string' && authorization ? { authorization } : {},
  };
}

/**
 * A refused `api_key` is not forwarded, so a subgraph sees no credential and answers "sign in first"
 * (`CREDENTIALS_MISSING`). The gateway knows why the key was refused (`API_KEY_INVALID`,
 * `ACCOUNT_DEACTIVATED`): those answers carry that reason and message instead, so a client can act on it.
 */
export function credentialRefusalPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const refusal = contextValue.auth.credentialError;
      if (!refusal) return;
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors as GraphQLFormattedError[] | undefined;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((error) =>
            error.extensions?.code === ErrorCode.UNAUTHENTICATED && error.extensions.reason === 'CREDENTIALS_MISSING'
              ? { ...error, message: refusal.message, extensions: { ...error.extensions, reason: refusal.reason } }
              : error,
          );
        },
      };
    },
  };
}
