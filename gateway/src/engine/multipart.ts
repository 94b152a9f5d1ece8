import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { cancelSubsequentPayloads, type IncrementalItem, type SubsequentPayload } from './defer.js';
import { acceptsIncrementalDelivery, openIncrementalSlot, takeSubsequentPayloads } from './incremental.js';

/**
 * @defer over HTTP, as Apollo Router sends it and Apollo Client, Relay, Apollo iOS and Apollo Kotlin
 * read it: `multipart/mixed; boundary="-"; deferSpec=20220824`, the first payload
 * `{"data":…,"hasNext":true}`, then `{"incremental":[{"data","path","label"?,"errors"?}],"hasNext":…}`.
 *
 * Apollo Server with a gateway answers one result, and keeps its whole pipeline for it (authentication,
 * limits, persisted operations, error masking, value completion errors, the operation log): the
 * executor returns the first payload and leaves the deferred parts with the request's context
 * (`engine/incremental.ts`); this turns Apollo Server's response into the multipart stream, the parts
 * formatted by the same `formatError` and value completion rules. A client that does not send
 * `Accept: multipart/mixed;deferSpec=20220824` gets one complete JSON result (the executor plans the
 * operation without its @defer). A client that goes away stops the parts not yet started.
 */
export interface IncrementalDeliveryOptions<Context extends object> {
  path: string;
  /** The context Apollo Server built for a request (see `rememberContext`). */
  contextOf(request: FastifyRequest): Context | undefined;
  /** Apollo Server's `formatError`. */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /**
   * What a deferred part reports of its values that could not be completed (`valueCompletion`) and its
   * entities no subgraph resolved (`unresolvedEntities`): errors to add to the part's own. By default
   * the values are left in the part's `extensions.valueCompletion`, as @apollo/gateway leaves them in a
   * result's, and the entities are not reported.
   */
  completionErrors?(
    extensions: NonNullable<IncrementalItem['extensions']>,
    errors: readonly GraphQLFormattedError[],
    context: Context,
  ): GraphQLFormattedError[];
  /** A deferred part that failed after the stream began: logged here; returns extensions for its error. */
  onPartFailure?(error: unknown, context: Context): Record<string, unknown>;
}

const contexts = new WeakMap<FastifyRequest, object>();

/** Records the context Apollo Server's context function built for a request, for the transport. */
export function rememberContext<Context extends object>(request: FastifyRequest, context: Context): Context {
  openIncrementalSlot(context);
  contexts.set(request, context);
  return context;
}

/** The context recorded for a request by {@link rememberContext}. */
export const contextOfRequest = <Context extends object>(request: FastifyRequest) => contexts.get(request) as Context | undefined;

const CONTENT_TYPE = 'multipart/mixed; boundary="-"; deferSpec=20220824';
const PART_HEADER = 'content-type: application/json; charset=utf-8\r\n\r\n';

export function registerIncrementalDelivery<Context extends object>(
  app: FastifyInstance,
  options: IncrementalDeliveryOptions<Context>,
): void {
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.url !== options.path) return;
    const accept = request.headers.accept;
    // Apollo Server answers the first payload as JSON, and refuses (406) an Accept without JSON: a
    // client that takes only multipart/mixed;deferSpec=20220824 still gets its response.
    if (acceptsIncrementalDelivery(accept) && !/application\/(graphql-response\+)?json|\*\/\*/i.test(accept ?? '')) {
      request.headers.accept = `${accept}, application/json`;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url !== options.path) return payload;
    const context = options.contextOf(request);
    const subsequent = context && takeSubsequentPayloads(context);
    if (!context || !subsequent) return payload;
    let initial: Record<string, unknown> | undefined;
    try {
      initial = reply.statusCode === 200 && typeof payload === 'string' ? (JSON.parse(payload) as Record<string, unknown>) : undefined;
    } catch {
      initial = undefined;
    }
    if (!initial || initial.data === null || initial.data === undefined) {
      // Refused, failed or nulled whole: no part follows, and none of them runs.
      void subsequent.return();
      return payload;
    }
    reply.header('content-type', CONTENT_TYPE);
    reply.header('cache-control', 'no-cache, no-store');
    reply.removeHeader('content-length');
    const format = (payload: SubsequentPayload) => formatPayload(payload, context, options);
    // A client that goes away stops the parts at once, even those the stream is waiting for.
    reply.raw.once('close', () => cancelSubsequentPayloads(subsequent));
    const failed = (error: unknown) => options.onPartFailure?.(error, context) ?? {};
    return Readable.from(multipartBody({ ...initial, hasNext: true }, subsequent, format, failed));
  });
}

async function* multipartBody(
  initial: Record<string, unknown>,
  subsequent: AsyncGenerator<SubsequentPayload, void, undefined>,
  format: (payload: SubsequentPayload) => Record<string, unknown>,
  failed: (error: unknown) => Record<string, unknown>,
): AsyncGenerator<string> {
  try {
    yield `\r\n---\r\n${PART_HEADER}${JSON.stringify(initial)}\r\n---\r\n`;
    let last = true;
    try {
      for await (const payload of subsequent) {
        last = !payload.hasNext;
        yield `${PART_HEADER}${JSON.stringify(format(payload))}\r\n---${last ? '--' : ''}\r\n`;
      }
    } catch (err) {
      const extensions = failed(err);
      if (!last) {
        const error = { message: 'The rest of the response failed.', extensions: { code: 'INTERNAL_SERVER_ERROR', ...extensions } };
        yield `${PART_HEADER}${JSON.stringify({ hasNext: false, incremental: [], errors: [error] })}\r\n-----\r\n`;
        last = true;
      }
    }
    if (!last) yield `${PART_HEADER}${JSON.stringify({ hasNext: false })}\r\n-----\r\n`;
  } finally {
    await subsequent.return();
  }
}

/** A payload as the client reads it: each part's errors formatted as the first payload's are. */
function formatPayload<Context extends object>(
  payload: SubsequentPayload,
  context: Context,
  options: IncrementalDeliveryOptions<Context>,
): Record<string, unknown> {
  if (!payload.incremental) return { hasNext: payload.hasNext };
  return {
    hasNext: payload.hasNext,
    incremental: payload.incremental.map((item) => formatItem(item, context, options)),
  };
}

function formatItem<Context extends object>(item: IncrementalItem, context: Context, options: IncrementalDeliveryOptions<Context>) {
  const errors: GraphQLFormattedError[] = (item.errors ?? []).map((error) => formatOne(error, options.formatError));
  let extensions: Record<string, unknown> | undefined;
  if (item.extensions?.valueCompletion || item.extensions?.unresolvedEntities) {
    if (options.completionErrors) errors.push(...options.completionErrors(item.extensions, errors, context));
    else if (item.extensions.valueCompletion) extensions = { valueCompletion: item.extensions.valueCompletion };
  }
  return {
    data: item.data,
    path: item.path,
    ...(item.label !== undefined && { label: item.label }),
    ...(errors.length > 0 && { errors }),
    ...(extensions && { extensions }),
  };
}

/** Apollo Server's error formatting: a code for every error (INTERNAL_SERVER_ERROR by default), then `formatError`. */
function formatOne(
  error: unknown,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): GraphQLFormattedError {
  const graphqlError =
    error instanceof GraphQLError
      ? error
      : new GraphQLError(error instanceof Error ? error.message : 'Unexpected error', {
          originalError: error instanceof Error ? error : undefined,
        });
  const { http: _http, ...rest } = graphqlError.extensions as Record<string, unknown>;
  const formatted = { ...graphqlError.toJSON(), extensions: { ...rest, code: rest.code ?? 'INTERNAL_SERVER_ERROR' } };
  try {
    return formatError(formatted, graphqlError);
  } catch {
    return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
}
