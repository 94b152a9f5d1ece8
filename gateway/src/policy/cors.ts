import fastifyCors from '@fastify/cors';
import type { Config } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import type { GatewayPlugin } from '../plugin.js';
import { APP_CREDENTIAL_HEADERS } from './auth.js';

/** Any port of the loopback addresses a developer's web app is served from. */
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * What browsers send beside the body: credentials (`authorization`, the profiles API's `api_key`, an app's `app_id` + `app_key`),
 * `content-type: application/json`, Apollo Client's preflight and operation-name headers (Apollo
 * Server's CSRF prevention asks for one of them), a client's own request id, and `accept`, which
 * chooses the subscription transport (`multipart/mixed;subscriptionSpec=1.0`, `text/event-stream`).
 */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  ...APP_CREDENTIAL_HEADERS,
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
  'accept',
];
/** Response headers a page's script may read: the request id to quote, and when to retry. */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'];

/** The origins allowed to call the gateway from a browser: `CORS_ORIGINS`, plus localhost outside production. */
export function corsOrigins(config: Pick<Config, 'CORS_ORIGINS' | 'NODE_ENV'>): (string | RegExp)[] {
  return [...config.CORS_ORIGINS, ...(config.NODE_ENV === 'production' ? [] : [LOCAL_ORIGIN])];
}

/**
 * CORS for every route of the gateway: `/graphql`, `/graphql/stream`, signed upload and media URLs.
 * An allowed origin gets its own origin back; any other gets no `Access-Control-Allow-Origin`, so the
 * browser keeps the answer from its page. A preflight is answered here, before authentication and
 * Apollo Server's CSRF check (which refuses an `OPTIONS` without a body with 400), and an `OPTIONS`
 * without the preflight headers is answered the same way rather than refused. CSRF prevention stays
 * on: a cross-origin page can only send what the preflight allowed, and a simple request (a form
 * post, a `GET` with no custom header) is still refused by Apollo Server.
 */
export async function registerCors(app: FastifyInstance, config: Pick<Config, 'CORS_ORIGINS' | 'NODE_ENV'>): Promise<void> {
  const origins = corsOrigins(config);
  const anyOrigin = origins.includes('*');
  await app.register(fastifyCors, {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    // Iris authenticates with headers, never cookies; a client that sends `credentials: 'include'`
    // still gets its answer, except where any origin is allowed (browsers refuse `*` with credentials).
    credentials: !anyOrigin,
    strictPreflight: false,
    maxAge: 600,
  });
}

/** CORS on every route (see `registerCors`). */
export function useCors(config: Pick<Config, 'CORS_ORIGINS' | 'NODE_ENV'>): GatewayPlugin {
  return { name: 'cors', register: (app) => registerCors(app, config) };
}
