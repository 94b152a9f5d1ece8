import {
  callerKind,
  logOperation,
  logRefusedRequest,
  observabilityPlugins,
  OPERATION_LOGGED_HEADER,
  rootFieldsOf,
  REQUEST_ID_HEADER,
  type Logger,
} from '@iris/core';
import type { FastifyInstance } from 'fastify';
import {
  Kind,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';
import type { GatewayContext } from '../context.js';
import type { GatewayPlugin } from '../plugin.js';

/** Where the gateway answers GraphQL over HTTP: refusals made there before any operation runs are logged. */
const GRAPHQL_PATHS = new Set(['/graphql', '/graphql/stream']);

/**
 * One log line for each request to `/graphql` or `/graphql/stream` refused before an operation ran: a
 * body too large or not JSON, an unsupported content type, a request limit, an unregistered persisted
 * operation, CSRF prevention, a subscription over HTTP without a transport it can be served on or with
 * refused credentials; with the status and the codes the client was told. Operations are logged by
 * the operation log plugin, which marks their responses (`OPERATION_LOGGED_HEADER`, taken off here),
 * so a request is still one line. Register it before the routes.
 */
export function logRefusedRequests(app: FastifyInstance, logger: Logger): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.hasHeader(OPERATION_LOGGED_HEADER)) {
      reply.removeHeader(OPERATION_LOGGED_HEADER);
      return payload;
    }
    const path = request.url.split('?')[0]!;
    if (reply.statusCode < 400 || !GRAPHQL_PATHS.has(path)) return payload;
    const requestId = [reply.getHeader(REQUEST_ID_HEADER) ?? request.headers[REQUEST_ID_HEADER]].flat()[0];
    logRefusedRequest(requestId ? logger.child({ requestId: String(requestId) }) : logger, {
      method: request.method,
      path,
      status: reply.statusCode,
      errors: errorsOf(payload),
    });
    return payload;
  });
}

/** The `errors` of a GraphQL error body, or one describing the status when the body is something else. */
function errorsOf(payload: unknown): GraphQLFormattedError[] {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(body.errors) && body.errors.length) return body.errors as GraphQLFormattedError[];
  } catch {
    // Not JSON: described below.
  }
  return [{ message: 'The request was refused.', extensions: { code: 'BAD_REQUEST' } }];
}

interface LoggableRunner {
  run(
    state: { context: GatewayContext },
    args: { document: DocumentNode; operationName?: string | null | undefined },
  ): AsyncIterableIterator<ExecutionResult>;
  /** Where a transport admits a subscribe message before it runs (limits, rate limits, credentials). */
  admit?(
    context: GatewayContext,
    request: { query?: unknown; operationName?: unknown },
  ): Promise<{ ok: boolean; errors?: readonly GraphQLError[] }>;
}

/**
 * The subscription runner with one log line per subscription, written when it ends (the client left,
 * the stream ran out, or it was refused): like a query's line, with how long it lasted and how many
 * events it sent. A refused subscription (limits, rate limit, authorization) ends at once with its codes.
 */
export function logSubscriptions<Runner extends LoggableRunner>(runner: Runner): Runner {
  const admit = runner.admit?.bind(runner);
  return {
    ...runner,
    // A subscription refused on admission never runs: its line is written here, with the refusal's codes.
    ...(admit && {
      admit: async (context: GatewayContext, request: { query?: unknown; operationName?: unknown }) => {
        const startedAt = performance.now();
        const admission = await admit(context, request);
        if (!admission.ok) {
          const name =
            typeof request.operationName === 'string'
              ? request.operationName
              : SUBSCRIPTION_NAME.exec(typeof request.query === 'string' ? request.query : '')?.[1];
          logOperation(context.logger, 'info', {
            type: 'subscription',
            name,
            durationMs: performance.now() - startedAt,
            caller: callerKind(context.auth),
            errors: admission.errors,
            events: 0,
          });
        }
        return admission;
      },
    }),
    run: (state, args) => {
      const { logger, auth } = state.context;
      const startedAt = performance.now();
      const written = soleOperation(args.document);
      const name = args.operationName ?? written?.name?.value;
      const rootFields = rootFieldsOf(written);
      const errors: GraphQLFormattedError[] = [];
      const seen = new Set<string>();
      let events = 0;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        logOperation(logger, 'info', {
          type: 'subscription',
          name,
          rootFields,
          durationMs: performance.now() - startedAt,
          caller: callerKind(auth),
          errors,
          events,
        });
      };
      const source = runner.run(state, args);
      const observe = (result: IteratorResult<ExecutionResult>) => {
        if (result.done) end();
        else if (result.value.errors?.length) {
          for (const error of result.value.errors) {
            const key = `${String(error.extensions?.code)}\n${error.message}`;
            if (errors.length >= 5 || seen.has(key)) continue;
            seen.add(key);
            errors.push(error.toJSON());
          }
        } else events += 1;
        return result;
      };
      const iterator: AsyncIterableIterator<ExecutionResult> = {
        next: () =>
          source.next().then(observe, (err: unknown) => {
            end();
            throw err;
          }),
        return: (value?: unknown) => {
          end();
          return source.return ? source.return(value) : Promise.resolve({ done: true as const, value: value as ExecutionResult });
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
  } as Runner;
}

/** The name a subscription's text gives it, read without parsing (a refused document may not parse). */
const SUBSCRIPTION_NAME = /\bsubscription\s+([_A-Za-z][_0-9A-Za-z]*)/;

function soleOperation(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operations.length === 1 ? operations[0] : undefined;
}

/**
 * One log line per request: each operation Apollo Server runs at info (the subgraphs' are at debug),
 * with metrics and traces when on, and each request refused before an operation ran
 * (`logRefusedRequests`). Subscriptions log theirs through `logSubscriptions`. Last in the list, so
 * an operation's line carries the errors every other plugin shaped.
 */
export function useOperationLog(options: { metrics: boolean }): GatewayPlugin {
  return {
    name: 'operation-log',
    apollo: observabilityPlugins<GatewayContext>('gateway', {
      metrics: options.metrics,
      operationLog: { level: 'info', markResponses: true },
    }),
    register: (app, { logger }) => logRefusedRequests(app, logger),
  };
}
