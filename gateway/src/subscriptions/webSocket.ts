import type { Server } from 'node:http';
import { credentialEndedReason, logRefusedRequest, trackSubscription, type AuthState, type Logger } from '@iris/core';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import { credentialCloseReason } from '../policy/admission.js';
import { credentialHeaders, MAX_BUFFERED_BYTES, type ConnectionState, type SubscriptionRunner } from './runner.js';

const TOO_SLOW = 'Too slow: events were not read in time; reconnect and resume with `after`';

/**
 * graphql-ws on the gateway's `/graphql`. Credentials come in `connection_init`; a connection without
 * valid ones closes with 4403, and with the expiry of the token that authorised it. Dead peers are
 * found by pings every `pingIntervalMs` and dropped; a subscriber too slow to read closes with 4429.
 */
export function serveWebSocketSubscriptions(
  server: Server,
  apiSchema: () => GraphQLSchema,
  runner: SubscriptionRunner,
  pingIntervalMs: number,
  logger: Logger,
): () => Promise<void> {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 1024 * 1024 });
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (socket) => {
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
  });
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.get(socket)) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, pingIntervalMs);
  heartbeat.unref();

  const disposable = useServer<Record<string, unknown> | undefined, { state?: ConnectionState }>(
    {
      schema: () => apiSchema(),
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        // A refused credential closes with 4403 and its reason first (`TOKEN_EXPIRED: …`), for the client to act on.
        // Logged here: a socket refused on connect makes no HTTP request for the operation log to see.
        const refuse = (auth: AuthState) => {
          const reason = auth.credentialError?.reason ?? 'CREDENTIALS_MISSING';
          logger.info(
            { code: 'UNAUTHENTICATED', reason, clientAddress: ctx.extra.request.socket.remoteAddress },
            `websocket refused: ${reason}`,
          );
          ctx.extra.socket.close(4403, credentialCloseReason(auth));
        };
        const state = await runner.connect(
          credentialHeaders(ctx.connectionParams ?? {}),
          ctx.extra.request.socket.remoteAddress ?? 'unknown',
          refuse,
        );
        if (!state) return false;
        ctx.extra.state = state;
        state.tooSlow = () => ctx.extra.socket.close(4429, TOO_SLOW);
        // The subscriptions end with the token that authorised them: when it expires or is revoked.
        state.onEnded.add((error) => ctx.extra.socket.close(4403, credentialEndedReason(error)));
        return true;
      },
      onDisconnect: (ctx) => {
        if (ctx.extra.state) runner.disconnect(ctx.extra.state);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const admitted = await runner.admit(ctx.extra.state!.context, payload);
        if (!admitted.ok) {
          logRefusedRequest(ctx.extra.state!.context.logger, { method: 'WS', path: '/graphql', errors: admitted.errors });
          return admitted.errors;
        }
        return {
          schema: admitted.schema,
          document: admitted.document,
          operationName: admitted.operationName ?? null,
          variableValues: admitted.variables,
        };
      },
      subscribe: (args) => trackSubscription('websocket', runner.run((args.contextValue as { state: ConnectionState }).state, args)),
      context: (ctx) => ({ state: ctx.extra.state }),
      // A client that does not read its socket lets unsent events pile up here: past the limit the
      // connection is closed (it can reconnect and resume with `after`) rather than hold memory or
      // slow the others.
      onNext: (ctx) => {
        if (ctx.extra.socket.bufferedAmount > MAX_BUFFERED_BYTES) ctx.extra.socket.close(4429, TOO_SLOW);
      },
    },
    wss,
  );
  return async () => {
    clearInterval(heartbeat);
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
