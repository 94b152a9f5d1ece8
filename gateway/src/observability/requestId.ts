import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, REQUEST_ID_HEADER } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import type { GatewayPlugin } from '../plugin.js';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id that ties a request's log lines together across gateway and subgraphs. A caller's own
 * `x-request-id` is kept when it is sane, so a client can correlate too.
 */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Every HTTP answer carries its request id in `x-request-id` (the caller's own when it sent a sane one),
 * the id that the logs, the subgraphs and a masked error's `extensions.requestId` name: what a client
 * quotes when it reports a failure. The request's header is set to it too, so everything after reads
 * one id.
 */
export function registerRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const requestId = requestIdOf(request.headers);
    request.headers[REQUEST_ID_HEADER] = requestId;
    void reply.header(REQUEST_ID_HEADER, requestId);
  });
}

/**
 * A masked internal error names the request id to quote in `extensions.requestId` (Apollo Server's
 * `formatError`, where errors are masked, does not see the request).
 */
export function requestIdOnInternalErrors<Context extends { requestId: string }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((error) =>
            error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR && !error.extensions.requestId
              ? { ...error, extensions: { ...error.extensions, requestId: contextValue.requestId } }
              : error,
          );
        },
      };
    },
  };
}

/** Request ids: on every HTTP answer (`x-request-id`), and in every masked error's `extensions.requestId`. */
export function useRequestId(): GatewayPlugin {
  return { name: 'request-id', apollo: [requestIdOnInternalErrors()], register: (app) => registerRequestIdHeader(app) };
}
