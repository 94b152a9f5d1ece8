import { ErrorCode, graphqlErrorBody, REQUEST_ID_HEADER } from '@iris/core';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import type { GatewayPlugin } from '../plugin.js';

export interface ForwardedRoute {
  method: HTTPMethods;
  /** A Fastify route pattern, e.g. `/media/captures/:id`. */
  url: string;
  /** The origin of the subgraph that serves it. */
  target: string;
}

/** A route forwarded to the subgraph named `subgraph`, at the address it was given at start. */
export interface SubgraphRoute {
  method: HTTPMethods;
  url: string;
  subgraph: string;
}

/**
 * Plain HTTP endpoints that a subgraph owns but outside callers reach at the gateway's address: the
 * payment provider's webhook, signed upload and media URLs. The gateway passes the raw body, the
 * path and query, and the relevant headers through; the subgraph checks signatures itself.
 */
export function registerForwardedRoutes(app: FastifyInstance, routes: ForwardedRoute[]): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 33 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    for (const route of routes) {
      scope.route({
        method: route.method,
        url: route.url,
        handler: async (request, reply) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(request.headers)) {
            if (typeof value === 'string' && (name === 'content-type' || name.startsWith('x-'))) headers[name] = value;
          }
          try {
            const response = await fetch(new URL(request.url, route.target), {
              method: request.method,
              headers,
              ...(request.body ? { body: request.body as NonNullable<RequestInit['body']> } : {}),
              signal: AbortSignal.timeout(30_000),
            });
            for (const name of ['content-type', 'cache-control']) {
              const value = response.headers.get(name);
              if (value) void reply.header(name, value);
            }
            return reply.code(response.status).send(Buffer.from(await response.arrayBuffer()));
          } catch {
            const requestId = request.headers[REQUEST_ID_HEADER];
            return reply.code(502).send(
              graphqlErrorBody('The service behind this address did not answer; retry later.', ErrorCode.SERVICE_UNAVAILABLE, {
                requestId,
              }),
            );
          }
        },
      });
    }
  });
}

/** Plain HTTP routes that subgraphs own, served at the gateway's address (see `registerForwardedRoutes`). */
export function useForwardedRoutes(routes: SubgraphRoute[]): GatewayPlugin {
  return {
    name: 'forwarded-routes',
    register: (app, { subgraphs }) =>
      registerForwardedRoutes(
        app,
        routes.map(({ method, url, subgraph }) => ({ method, url, target: subgraphs.origin(subgraph) })),
      ),
  };
}
