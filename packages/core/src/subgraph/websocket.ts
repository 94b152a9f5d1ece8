import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AccessTokenVerifier } from '../auth/tokens.js';
import { maskError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestContext } from './server.js';

/**
 * graphql-ws on a subgraph's `/graphql`, for the gateway's subscriptions. Credentials come in
 * `connection_init` (`{ authorization: "Bearer ..." }`); a connection without a valid one is refused
 * (4403). Each subscription is authorised by the credentials in its own subscribe message's
 * `extensions`, falling back to the connection's, so one gateway connection carries many callers.
 * Every event's errors are masked as over HTTP.
 */
export function serveSubscriptions<Context extends RequestContext>(options: {
  server: Server;
  schema: GraphQLSchema;
  verifier: AccessTokenVerifier;
  logger: Logger;
  createContext: (base: RequestContext) => Context | Promise<Context>;
}): () => Promise<void> {
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const text = (source: Record<string, unknown> | undefined, name: string) => (typeof source?.[name] === 'string' ? (source[name] as string) : undefined);
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
      ? { errors: result.errors.map((error) => maskError(error.toJSON(), error instanceof GraphQLError ? error : undefined, (err) => options.logger.error({ err, requestId }, 'unexpected error'), requestId)) }
      : {}),
  });
  const server = useServer<Record<string, unknown> | undefined>(
    {
      schema: options.schema,
      onConnect: async (ctx) => (await authOf(text(ctx.connectionParams, 'authorization'))).principal !== null,
      context: async (ctx, _id, payload) => {
        const caller = callerOf(ctx.connectionParams, payload);
        return options.createContext({ requestId: caller.requestId, logger: options.logger.child({ requestId: caller.requestId }), auth: await authOf(caller.authorization) });
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
