import type { ServerResponse } from 'node:http';
import { graphqlErrorBody, logRefusedRequest, OPERATION_LOGGED_HEADER, trackSubscription, type AuthState, type Logger } from '@iris/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Lexer, Source, TokenKind, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { refusedCredentials, type OperationRequest } from '../policy/admission.js';
import { MAX_BUFFERED_BYTES, subscriberHeaders, type SubscriptionRunner } from './runner.js';

/**
 * Subscriptions sent as a plain `POST /graphql`, as Apollo Client's HttpLink, Apollo iOS and Apollo
 * Kotlin send them, served by the same runner and admission as graphql-ws and `/graphql/stream`:
 * - `Accept: multipart/mixed;subscriptionSpec=1.0`: Apollo's multipart subscription protocol, each event
 *   a `--graphql` part holding `{"payload": <result>}`, a `{}` part as a heartbeat every few seconds,
 *   and `--graphql--` at the end; a stream ended by the server (expired or revoked token) sends its
 *   reason as `{"payload": null, "errors": [...]}` first.
 * - `Accept: text/event-stream`: GraphQL over SSE (graphql-sse's distinct connections mode): `next`
 *   events, then `complete`.
 * - anything else: 406 with a GraphQL error naming the two, instead of Apollo Server's 500 ("Execution
 *   of subscriptions not supported by gateway").
 * Queries and mutations are left to Apollo Server.
 */
export function registerHttpSubscriptions(
  app: FastifyInstance,
  runner: Pick<SubscriptionRunner, 'connect' | 'admit' | 'run' | 'disconnect'>,
  options: { heartbeatMs: number; logger: Logger; path?: string },
): () => void {
  const path = options.path ?? '/graphql';
  const open = new Set<() => void>();
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url !== path || (request.method !== 'POST' && request.method !== 'GET')) return;
    // EventSource subscribes with a GET (`?query=`); Apollo's clients with a POST.
    const body = (
      request.method === 'GET' ? fromQueryString(request.query as Record<string, unknown>) : request.body
    ) as OperationRequest | null;
    if (!body || typeof body !== 'object' || Array.isArray(body) || !isSubscription(body)) return;
    const transport = transportOf(request.headers.accept);
    if (!transport) {
      return reply.code(406).send(graphqlErrorBody(TRANSPORTS_MESSAGE, 'BAD_REQUEST', { transports: TRANSPORTS }));
    }
    await serve(request, reply, transport, body);
    return reply;
  });

  async function serve(request: FastifyRequest, reply: FastifyReply, transport: Transport, body: OperationRequest) {
    const headers = subscriberHeaders(request.headers);
    let refusal: { auth: AuthState; logger: Logger } = { auth: { principal: null, credentialError: null }, logger: options.logger };
    const state = await runner.connect(headers, request.ip, (auth, context) => (refusal = { auth, logger: context.logger }));
    // Refusals are logged here: the request never reaches Apollo Server, whose operation log would.
    const refuse = (logger: Logger, status: number, errors: readonly GraphQLError[]) => {
      logRefusedRequest(logger, { method: request.method, path, status, errors });
      // Logged: the server's hook for refused requests (`logRefusedRequests`) leaves this one alone.
      reply.header(OPERATION_LOGGED_HEADER, '1');
      return sendErrors(reply, status, errors);
    };
    if (!state) return refuse(refusal.logger, 401, refusedCredentials(refusal.auth).errors);
    const admitted = await runner.admit(state.context, body);
    if (!admitted.ok) {
      runner.disconnect(state);
      return refuse(state.context.logger, admitted.status, admitted.errors);
    }
    const raw = reply.raw;
    // The stream is written here, not by Fastify: the headers set so far (CORS, request id) go with it.
    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'x-request-id': state.context.requestId,
      'content-type':
        transport === 'multipart' ? 'multipart/mixed; boundary="graphql"; subscriptionSpec="1.0"' : 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.flushHeaders();
    const writer = transport === 'multipart' ? multipartWriter(raw) : sseWriter(raw);
    const events = trackSubscription(
      transport === 'multipart' ? 'multipart' : 'sse',
      runner.run(state, {
        document: admitted.document,
        operationName: admitted.operationName ?? null,
        variableValues: admitted.variables,
      }),
    );
    let finished = false;
    const finish = (errors?: readonly GraphQLFormattedError[]) => {
      if (finished) return;
      finished = true;
      clearInterval(heartbeat);
      open.delete(end);
      if (errors) writer.transportErrors(errors);
      writer.end();
      void events.return?.();
      runner.disconnect(state);
    };
    const end = () => finish();
    open.add(end);
    state.tooSlow = () => finish([{ message: TOO_SLOW, extensions: { code: 'TOO_SLOW' } }]);
    const heartbeat = setInterval(() => writer.heartbeat(), options.heartbeatMs);
    heartbeat.unref();
    raw.once('close', () => finish());
    void (async () => {
      try {
        for await (const result of events) {
          if (finished) break;
          writer.next(result);
          // A client that does not read lets events pile up in this response: past the limit the stream
          // ends (it can subscribe again with `after`) rather than hold memory.
          if (raw.writableLength > MAX_BUFFERED_BYTES) return finish([{ message: TOO_SLOW, extensions: { code: 'TOO_SLOW' } }]);
        }
        finish();
      } catch (err) {
        state.context.logger.error({ err }, 'subscription over HTTP failed');
        finish([{ message: 'The subscription ended.', extensions: { code: 'SERVICE_UNAVAILABLE', requestId: state.context.requestId } }]);
      }
    })();
  }

  return () => {
    for (const end of [...open]) end();
  };
}

type Transport = 'multipart' | 'sse';

const TRANSPORTS_MESSAGE =
  'A subscription over HTTP needs `Accept: multipart/mixed;subscriptionSpec=1.0` (Apollo Client, Apollo iOS, Apollo Kotlin) or `Accept: text/event-stream` (GraphQL over SSE); or subscribe over WebSocket (graphql-ws) at this URL.';
const TRANSPORTS = ['multipart/mixed;subscriptionSpec=1.0', 'text/event-stream', 'graphql-ws'];

/**
 * A subscription that still reaches Apollo Server (in a batch, by a persisted query hash alone) is
 * refused with the transports that serve it, instead of the gateway's 500 ("Execution of subscriptions
 * not supported by gateway").
 */
export function refuseSubscriptionsOverApollo<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(TRANSPORTS_MESSAGE, {
            extensions: { code: 'BAD_REQUEST', transports: TRANSPORTS, http: { status: 400 } },
          });
        },
      };
    },
  };
}

/** A GET's operation: `variables` and `extensions` come JSON-encoded in the query string. */
function fromQueryString(query: Record<string, unknown>): OperationRequest {
  const json = (value: unknown) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  };
  return { ...query, variables: json(query.variables), extensions: json(query.extensions) };
}

const TOO_SLOW = 'Too slow: events were not read in time; subscribe again and resume with `after`.';

/**
 * The transport the `Accept` header asks for: the first of multipart (with `subscriptionSpec`, as Apollo's
 * clients send it) and `text/event-stream` it lists, or null.
 */
export function transportOf(accept: string | undefined): Transport | null {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type === 'multipart/mixed' && parameters.some((p) => p.replace(/"/g, '') === 'subscriptionspec=1.0')) return 'multipart';
    if (type === 'text/event-stream') return 'sse';
  }
  return null;
}

/**
 * Whether a body's operation is a subscription, read from the document's tokens without parsing it
 * (the admission parses it, with the MAX_TOKENS limit): the keyword that opens the operation named
 * `operationName`, or the only operation. Most bodies do not even hold the word. Text the lexer cannot
 * read is left to Apollo Server, which says why.
 */
export function isSubscription(body: OperationRequest): boolean {
  if (typeof body.query !== 'string' || !/\bsubscription\b/.test(body.query)) return false;
  const wanted = typeof body.operationName === 'string' ? body.operationName : undefined;
  const operations: { keyword: string; name?: string }[] = [];
  try {
    const lexer = new Lexer(new Source(body.query));
    let depth = 0;
    let opening: { keyword: string; name?: string } | undefined;
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (token.kind === TokenKind.BRACE_L) {
        // A `{` at the top level opens an operation's selection (or a fragment's, or a shorthand query).
        if (depth === 0) operations.push(opening ?? { keyword: 'query' });
        opening = undefined;
        depth++;
      } else if (token.kind === TokenKind.BRACE_R) depth--;
      else if (depth === 0 && token.kind === TokenKind.NAME) {
        if (!opening) opening = { keyword: token.value };
        else if (opening.name === undefined && opening.keyword !== 'fragment') opening.name = token.value;
      }
    }
  } catch {
    return false;
  }
  const executable = operations.filter((o) => o.keyword !== 'fragment');
  const operation = wanted ? executable.find((o) => o.name === wanted) : executable.length === 1 ? executable[0] : undefined;
  return operation?.keyword === 'subscription';
}

function sendErrors(reply: FastifyReply, status: number, errors: readonly GraphQLError[]) {
  if (status === 429) {
    const retryAfter = errors[0]?.extensions.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(Math.ceil(retryAfter)));
  }
  return reply.code(status).send({ errors: errors.map((error) => error.toJSON()) });
}

interface StreamWriter {
  next(result: ExecutionResult): void;
  /** Why the server ends the stream, before it ends. */
  transportErrors(errors: readonly GraphQLFormattedError[]): void;
  heartbeat(): void;
  end(): void;
}

/** Apollo's multipart subscription protocol: `{"payload": …}` parts between `--graphql` boundaries. */
function multipartWriter(raw: ServerResponse): StreamWriter {
  const part = (body: unknown) =>
    raw.write(`\r\n--graphql\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(body)}`);
  return {
    next: (result) => part({ payload: result }),
    transportErrors: (errors) => part({ payload: null, errors }),
    heartbeat: () => part({}),
    end: () => {
      if (!raw.writableEnded) raw.end('\r\n--graphql--\r\n');
    },
  };
}

/** GraphQL over SSE, distinct connections mode: `next` events, then `complete`. */
function sseWriter(raw: ServerResponse): StreamWriter {
  const event = (name: string, data: unknown) => raw.write(`event: ${name}\ndata: ${data === undefined ? '' : JSON.stringify(data)}\n\n`);
  return {
    next: (result) => event('next', result),
    transportErrors: (errors) => event('next', { errors }),
    heartbeat: () => raw.write(':\n\n'),
    end: () => {
      if (raw.writableEnded) return;
      event('complete', undefined);
      raw.end();
    },
  };
}
