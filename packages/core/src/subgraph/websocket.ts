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
 * (4403), and every event's errors are masked as over HTTP.
 */
export function serveSubscriptions<Context extends RequestContext>(options: {
  server: Server;
  schema: GraphQLSchema;
  verifier: AccessTokenVerifier;
  logger: Logger;
  createContext: (base: RequestContext) => Context | Promise<Context>;
}): () => Promise<void> {
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const authOf = async (params: Record<string, unknown> | undefined) => {
    const authorization = typeof params?.authorization === 'string' ? params.authorization : undefined;
    return options.verifier.authenticate(authorization ? { authorization } : {});
  };
  const mask = (result: ExecutionResult, requestId: string): FormattedExecutionResult => ({
    ...result,
    ...(result.errors
      ? { errors: result.errors.map((error) => maskError(error.toJSON(), error instanceof GraphQLError ? error : undefined, (err) => options.logger.error({ err, requestId }, 'unexpected error'), requestId)) }
      : {}),
  });
  const server = useServer<Record<string, unknown> | undefined, { requestId?: string }>(
    {
      schema: options.schema,
      onConnect: async (ctx) => (await authOf(ctx.connectionParams)).principal !== null,
      context: async (ctx) => {
        const requestId = typeof ctx.connectionParams?.requestId === 'string' ? ctx.connectionParams.requestId : randomUUID();
        ctx.extra.requestId = requestId;
        return options.createContext({ requestId, logger: options.logger.child({ requestId }), auth: await authOf(ctx.connectionParams) });
      },
      onNext: (ctx, _id, _payload, _args, result) => mask(result as ExecutionResult, ctx.extra.requestId ?? 'unknown'),
    },
    wss,
  );
  return async () => {
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
