import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  parse,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { CredentialError } from '../auth/principal.js';
import { credentialEndedReason, type CredentialWatch } from '../auth/revocation.js';
import type { AccessTokenVerifier } from '../auth/tokens.js';
import { maskError, unauthenticated } from '../errors.js';
import { returnPromptly } from '../returnPromptly.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from './server.js';

/**
 * graphql-ws on a subgraph's `/graphql`, for the gateway's subscriptions. Credentials come in
 * `connection_init` (`{ authorization: "Bearer ..." }`); a connection without a valid one is refused
 * (4403). Each subscription is authorised by the credentials in its own subscribe message's
 * `extensions`, falling back to the connection's, so one gateway connection carries many callers.
 * Every event's errors are masked as over HTTP.
 *
 * Streams end with their credentials: a subscription ends, with a last event carrying UNAUTHENTICATED
 * and `reason` TOKEN_EXPIRED or TOKEN_REVOKED, when the token that authorised it expires or is
 * revoked; a client's own connection closes then with 4403. A connection whose subscriptions each
 * name their own caller (the gateway's) stays open when the token that opened it ends.
 */
export function serveSubscriptions<Context extends RequestContext>(options: {
  server: Server;
  schema: GraphQLSchema;
  verifier: AccessTokenVerifier;
  logger: Logger;
  createContext: (base: RequestContext) => Context | Promise<Context>;
}): () => Promise<void> {
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const text = (source: Record<string, unknown> | undefined, name: string) =>
    typeof source?.[name] === 'string' ? (source[name] as string) : undefined;
  const authOf = async (authorization: string | undefined) => options.verifier.authenticate(authorization ? { authorization } : {});
  // The gateway carries many subscribers over one connection: each subscribe message names its own
  // caller in `extensions` (`authorization`, `requestId`); `connection_init` names whoever opened it.
  const callerOf = (connectionParams: Record<string, unknown> | undefined, payload: { extensions?: Record<string, unknown> | null }) => ({
    authorization: text(payload.extensions ?? undefined, 'authorization') ?? text(connectionParams, 'authorization'),
    requestId: text(payload.extensions ?? undefined, 'requestId') ?? text(connectionParams, 'requestId') ?? randomUUID(),
  });
  const mask = (result: ExecutionResult, requestId: string): FormattedExecutionResult => ({
    ...result,
    ...(result.errors
      ? {
          errors: result.errors.map((error) =>
            maskError(
              error.toJSON(),
              error instanceof GraphQLError ? error : undefined,
              (err) => options.logger.error({ err, requestId }, 'unexpected error'),
              requestId,
            ),
          ),
        }
      : {}),
  });
  // Per connection: the watch on the token that opened it, and whether its subscriptions name their own callers.
  const connections = new WeakMap<object, { watch?: CredentialWatch; multiplexed: boolean }>();
  // Per subscription: the token that authorised it (its context is the key).
  const tokens = new WeakMap<object, string>();
  const server = useServer<Record<string, unknown> | undefined, { socket: { close(code: number, reason: string): void } }>(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        const authorization = text(ctx.connectionParams, 'authorization');
        if ((await authOf(authorization)).principal === null) return false;
        const connection: { watch?: CredentialWatch; multiplexed: boolean } = { multiplexed: false };
        connections.set(ctx, connection);
        connection.watch = await options.verifier.watch(bearer(authorization)!, (error) => {
          if (!connection.multiplexed) ctx.extra.socket.close(4403, credentialEndedReason(error));
        });
        return true;
      },
      onClose: (ctx) => connections.get(ctx)?.watch?.stop(),
      // Subscriptions only: the gateway sends nothing else here, and a query over this socket would
      // bypass what HTTP keeps to the gateway (`_service`, introspection).
      onSubscribe: (_ctx, _id, payload) => {
        let operation: OperationDefinitionNode | null | undefined;
        try {
          operation = getOperationAST(parse(payload.query), payload.operationName);
        } catch {
          return undefined; // graphql-ws answers the syntax error itself
        }
        if (operation && operation.operation !== 'subscription') {
          return [
            new GraphQLError(
              'A subgraph serves only subscriptions over WebSocket: send queries and mutations over HTTP, through the gateway.',
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        }
        return undefined;
      },
      context: async (ctx, _id, payload) => {
        const caller = callerOf(ctx.connectionParams, payload);
        if (text(payload.extensions ?? undefined, 'authorization')) {
          const connection = connections.get(ctx);
          if (connection) connection.multiplexed = true;
        }
        const context = await options.createContext({
          requestId: caller.requestId,
          logger: options.logger.child({ requestId: caller.requestId }),
          auth: await authOf(caller.authorization),
        });
        const token = bearer(caller.authorization);
        if (token) tokens.set(context, token);
        return context;
      },
      onOperation: (_ctx, _id, _payload, args, result) => {
        const token = tokens.get(args.contextValue as object);
        if (!token || !isAsyncIterable(result)) return undefined;
        return heldToCredential(result, options.verifier, token);
      },
      onNext: (ctx, _id, payload, _args, result) => mask(result as ExecutionResult, callerOf(ctx.connectionParams, payload).requestId),
    },
    wss,
  );
  return async () => {
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}

const bearer = (authorization: string | undefined) => authorization?.replace(/^Bearer\s+/i, '') || undefined;

const isAsyncIterable = (value: unknown): value is AsyncIterableIterator<ExecutionResult> =>
  typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';

/**
 * A subscription's events for as long as the token that authorised it lives: when it expires or is
 * revoked, one last event says so (UNAUTHENTICATED, with the reason) and the subscription ends, even
 * while no event is coming; no event is delivered after.
 */
function heldToCredential(
  source: AsyncIterableIterator<ExecutionResult>,
  verifier: AccessTokenVerifier,
  token: string,
): AsyncIterableIterator<ExecutionResult> {
  let endNow: (error: CredentialError) => void = () => {};
  const ended = new Promise<{ ended: CredentialError }>((resolve) => (endNow = (error) => resolve({ ended: error })));
  async function* events(): AsyncGenerator<ExecutionResult> {
    const watch = await verifier.watch(token, endNow);
    try {
      for (;;) {
        const next = await Promise.race([source.next(), ended]);
        const error = 'ended' in next ? next.ended : watch.check();
        if (error) {
          yield { errors: [unauthenticated(error)] };
          return;
        }
        if ((next as IteratorResult<ExecutionResult>).done) return;
        yield (next as IteratorResult<ExecutionResult>).value as ExecutionResult;
      }
    } finally {
      watch.stop();
      await source.return?.();
    }
  }
  return returnPromptly(events(), source);
}
