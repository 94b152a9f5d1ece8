import { STATUS_CODES, type ServerResponse } from 'node:http';
import { logRefusedRequest, trackSubscription, type AuthState } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import { GraphQLError, type GraphQLSchema, type OperationTypeNode } from 'graphql';
import type { OperationArgs, Response as SseResponse } from 'graphql-sse';
import { createHandler as createSseHandler } from 'graphql-sse/lib/use/fastify';
import { refusedCredentials, type RefusedOperation } from '../policy/admission.js';
import { subscriberHeaders, type ConnectionState, type SubscriptionRunner } from './runner.js';

/**
 * GraphQL over Server-Sent Events (graphql-sse, "distinct connections" mode) on `/graphql/stream`,
 * for clients that cannot open a WebSocket. Credentials come as ordinary headers. Only subscriptions are
 * served here: a query or mutation is refused with 400 BAD_REQUEST pointing at `POST /graphql`.
 */
export function registerSseSubscriptions(app: FastifyInstance, apiSchema: () => GraphQLSchema, runner: SubscriptionRunner): () => void {
  const handler = createSseHandler<{ state: ConnectionState }>({
    schema: () => apiSchema(),
    // Who is subscribing, then every limit HTTP applies (see `admission.ts`); a refusal answers before
    // the stream opens, with the status and codes HTTP would give (401 with the credential's `reason`).
    onSubscribe: async (req, params): Promise<SseResponse | OperationArgs<{ state: ConnectionState }>> => {
      // The request's own headers, as multipart and POST /graphql read them: graphql-sse's `headers.get`
      // answers "undefined" for a header that was not sent, which would read as a malformed Authorization.
      let refusedAuth: AuthState = { principal: null, credentialError: null };
      const state = await runner.connect(subscriberHeaders(req.raw.headers), req.raw.ip, (auth) => (refusedAuth = auth));
      if (!state) return errorResponse(refusedCredentials(refusedAuth));
      const admitted = await runner.admit(state.context, params);
      if (!admitted.ok) {
        runner.disconnect(state);
        return errorResponse(admitted);
      }
      // Queries and mutations go to POST /graphql, where every plugin (authorization, the operation log)
      // runs them; graphql-sse would execute them here against the API schema, which has no resolvers.
      if (admitted.operation !== 'subscription') {
        runner.disconnect(state);
        const refusal = onlySubscriptions(admitted.operation);
        logRefusedRequest(state.context.logger, {
          method: req.method,
          path: '/graphql/stream',
          status: refusal.status,
          errors: refusal.errors,
        });
        return errorResponse(refusal);
      }
      return {
        schema: admitted.schema,
        document: admitted.document,
        operationName: admitted.operationName ?? null,
        variableValues: admitted.variables,
        contextValue: { state },
      };
    },
    subscribe: (args) => {
      const state = args.contextValue.state;
      const events = runner.run(state, args);
      return trackSubscription(
        'sse',
        (async function* () {
          try {
            yield* events;
          } finally {
            runner.disconnect(state);
          }
        })(),
      );
    },
  });
  // Streams are requests that never finish on their own: on shutdown they are ended (a client reconnects
  // elsewhere and resumes with `after`), so the server's wait for in-flight requests can end.
  const open = new Set<ServerResponse>();
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/graphql/stream',
    handler: (request, reply) => {
      open.add(reply.raw);
      reply.raw.once('close', () => open.delete(reply.raw));
      return handler(request, reply);
    },
  });
  return () => {
    for (const response of open) response.end();
  };
}

/** A refusal as graphql-sse answers before a stream opens: a JSON GraphQL error body with its status. */
function errorResponse(refusal: RefusedOperation): SseResponse {
  return [
    JSON.stringify({ errors: refusal.errors.map((error) => error.toJSON()) }),
    {
      status: refusal.status,
      statusText: STATUS_CODES[refusal.status] ?? 'Refused',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
  ];
}

/** 400 BAD_REQUEST for a query or mutation sent to `/graphql/stream`, saying where to send it. */
function onlySubscriptions(operation: OperationTypeNode): RefusedOperation {
  return {
    ok: false,
    status: 400,
    errors: [
      new GraphQLError(
        `Only subscriptions are served at /graphql/stream; send queries and mutations (this is a ${operation}) to POST /graphql.`,
        { extensions: { code: 'BAD_REQUEST' } },
      ),
    ],
  };
}
