import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, type AccessTokenVerifier, type AuthState, type CredentialError } from '@iris/core';
import type { GraphQLFormattedError } from 'graphql';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayContext } from '../context.js';
import type { GatewayPlugin } from '../plugin.js';
import type { ApiKeyExchange, AppCredential } from './apiKeys.js';

/** The headers that carry an app's own credential, for the transports and CORS that pass credentials on. */
export const APP_CREDENTIAL_HEADERS = ['api_key', 'app_id', 'app_key', 'x-app-id', 'x-app-key'] as const;

const firstHeader = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * The app server's own credential, if the request carries one: `api_key`; the app's `app_id` and
 * `app_key` (or `x-app-id` and `x-app-key`, for proxies that drop headers with underscores) when no
 * Authorization is sent; or `Authorization: Basic base64(app_id:app_key)`, which tools such as curl
 * send with `-u`. A credential sent but incomplete is refused with what is missing.
 */
export function appCredentialOf(headers: IncomingHttpHeaders): AppCredential | CredentialError | null {
  const authorization = firstHeader(headers.authorization);
  const basic = authorization && /^Basic\s+(\S*)$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0 || colon === decoded.length - 1) {
      return {
        reason: 'AUTHORIZATION_MALFORMED',
        message: 'Basic authorization must be base64 of `app_id:app_key` (curl -u app_id:app_key).',
      };
    }
    return { kind: 'appKey', appId: decoded.slice(0, colon), appKey: decoded.slice(colon + 1) };
  }
  if (authorization) return null;
  const apiKey = firstHeader(headers['api_key'] ?? headers['api-key']);
  if (apiKey) return { kind: 'apiKey', apiKey };
  const appId = firstHeader(headers['app_id'] ?? headers['x-app-id']);
  const appKey = firstHeader(headers['app_key'] ?? headers['x-app-key']);
  if (!appId && !appKey) return null;
  if (!appId || !appKey) {
    return {
      reason: 'APP_KEY_INVALID',
      message: `Send both app_id and app_key (or x-app-id and x-app-key); ${appId ? 'app_key' : 'app_id'} is missing.`,
    };
  }
  return { kind: 'appKey', appId, appKey };
}

/**
 * Who is calling, and what to forward. A bearer token is verified here (for logs and limits) and
 * forwarded unchanged; an app credential (`api_key`, or `app_id` + `app_key`, see `appCredentialOf`) is
 * traded for an access token (see `ApiKeyExchange`) that is forwarded instead. Each subgraph verifies the token again and enforces its own policy, so a
 * request that bypasses the gateway gains nothing.
 */
export async function authenticateRequest(
  verifier: AccessTokenVerifier,
  apiKeys: ApiKeyExchange,
  headers: IncomingHttpHeaders,
  requestId: string,
): Promise<{ auth: AuthState; forwardHeaders: Record<string, string> }> {
  const credential = appCredentialOf(headers);
  if (credential && !('kind' in credential)) return { auth: { principal: null, credentialError: credential }, forwardHeaders: {} };
  if (credential) {
    let exchanged = await apiKeys.exchange(credential, requestId);
    let auth = exchanged.ok ? await verifier.authenticate({ authorization: `Bearer ${exchanged.accessToken}` }) : null;
    // The token cached for the key was revoked (the key revoked, its scopes changed, its account
    // deactivated) or has expired: ask identity again, which says why the key no longer works, or trades it anew.
    if (exchanged.ok && auth?.credentialError) {
      apiKeys.forget(credential);
      exchanged = await apiKeys.exchange(credential, requestId);
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

/**
 * Authentication: every transport builds its context with `authenticateRequest` (`context.ts`); over
 * Apollo Server, a refused app credential's own reason replaces "sign in first" (see `credentialRefusalPlugin`).
 */
export function useAuthentication(): GatewayPlugin {
  return { name: 'authentication', apollo: [credentialRefusalPlugin()] };
}
