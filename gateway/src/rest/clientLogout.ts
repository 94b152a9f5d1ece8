import { ErrorCode, graphqlErrorBody } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import { STATUS, type Execute } from './profilesApi.js';

const LOGOUT_CLIENT = `mutation IrisLogoutClient($input: LogoutClientInput!) { logoutClient(input: $input) { sessionsEnded redirectTo } }`;

/** The mutation's input fields → the query parameters the seed names, so a refusal names what the caller sent. */
const PARAMETERS: Record<string, string> = {
  'input.clientId': 'client_id',
  'input.redirectUri': 'redirect_uri',
  'input.idTokenHint': 'id_token_hint',
};

/**
 * The camera document's `GET /accounts/logout?client_id=…&redirect_uri=…` (OpenID Connect RP-initiated
 * logout): signs the caller's user out of one app with `logoutClient`, then sends the browser back to
 * `redirect_uri` (302), which must be one the app registered; `state` is passed back, as OpenID Connect
 * asks, and `post_logout_redirect_uri` is read as `redirect_uri`. The user is the one `id_token_hint`
 * names (an ID token Iris issued to the app: a browser has no other credential to send), else who the
 * request's credentials name (a user's bearer token, or the app's OAuth token of that user); with a hint,
 * `client_id` may be left out (the hint's audience is the app). Without a `redirect_uri` the answer is
 * JSON. Refusals are GraphQL-style error bodies naming the parameter.
 */
export function registerClientLogout(app: FastifyInstance, execute: Execute): void {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/accounts/logout', async (request, reply) => {
    const parameter = (name: string) => {
      const value = request.query[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const idTokenHint = parameter('id_token_hint');
    const clientId = parameter('client_id') ?? (idTokenHint ? audienceOf(idTokenHint) : undefined);
    const redirectUri = parameter('redirect_uri') ?? parameter('post_logout_redirect_uri');
    const state = parameter('state');
    void reply.header('cache-control', 'no-store');
    if (!clientId) {
      return reply.code(400).send(
        graphqlErrorBody('client_id: name the app to sign out of (`?client_id=<app id>`).', ErrorCode.BAD_USER_INPUT, {
          field: 'client_id',
        }),
      );
    }

    const input = {
      clientId,
      ...(redirectUri !== undefined ? { redirectUri } : {}),
      ...(idTokenHint !== undefined ? { idTokenHint } : {}),
    };
    const result = await execute(LOGOUT_CLIENT, { input }, { headers: request.headers, ip: request.ip });
    const error = result.errors?.[0];
    if (error || !result.data?.logoutClient) {
      const code = String(error?.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
      const field = PARAMETERS[String(error?.extensions?.field)];
      const message = field ? (error?.message ?? '').replace(/^input\.\w+:/, `${field}:`) : (error?.message ?? 'The logout failed.');
      return reply
        .code(STATUS[code] ?? 500)
        .send({ errors: [{ ...error, message, extensions: { ...error?.extensions, ...(field ? { field } : {}) } }] });
    }

    const { sessionsEnded, redirectTo } = result.data.logoutClient as { sessionsEnded: number; redirectTo: string | null };
    if (!redirectTo) return reply.code(200).send({ sessionsEnded });
    const location = new URL(redirectTo);
    if (state) location.searchParams.set('state', state);
    return reply.code(302).header('location', location.href).send();
  });
}

/**
 * The app an ID token was issued to (its single `aud`), read without checking the signature: identity
 * checks the whole token against that app before anything ends.
 */
function audienceOf(idToken: string): string | undefined {
  try {
    const { aud } = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof aud === 'string' ? aud : undefined;
  } catch {
    return undefined;
  }
}
