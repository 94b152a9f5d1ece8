import { createHash } from 'node:crypto';
import {
  HeaderMap,
  type ApolloServer,
  type ApolloServerPlugin,
  type BaseContext,
  type GraphQLRequestContext,
  type GraphQLRequestExecutionListener,
  type GraphQLRequestListener,
  type GraphQLResponse,
  type HTTPGraphQLHead,
} from '@apollo/server';
import type { ApolloGateway } from '@apollo/gateway';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  visit,
  BREAK,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import Negotiator from 'negotiator';

/**
 * The part of Apollo Server's state this handler reads (`ApolloServer#internals`, @apollo/server 5): the
 * plugins as Apollo Server runs them (its own implicit ones included), and the settings of its request
 * pipeline. Read once, after `start()`.
 */
interface ApolloInternals<TContext extends BaseContext> {
  plugins: (ApolloServerPlugin<TContext> & { __internal_plugin_id__?: string; __is_disabled_plugin__?: boolean })[];
  formatError?: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  includeStacktraceInErrorResponses: boolean;
  validationRules: ValidationRule[];
  laterValidationRules?: ValidationRule[];
  validationOptions: { maxErrors?: number };
  dangerouslyDisableValidation: boolean;
  parseOptions: ParseOptions;
  status400ForVariableCoercionErrors: boolean;
  stringifyResult: (result: FormattedExecutionResult) => string | Promise<string>;
  gatewayExecutor: GatewayExecutor | null;
}

/**
 * Apollo Server's own plugins whose hooks all run here as they run in Apollo Server: cache control, inline
 * traces (on a subgraph's schema only, so never on a gateway's), and the removal of suggestions from
 * validation errors (which never reach this handler). Usage and schema reporting are not among them: with
 * either installed (an Apollo key), every request stays on Apollo Server's pipeline.
 */
const PLUGINS_THE_HANDLER_RUNS_ALIKE = new Set(['CacheControl', 'InlineTrace', 'DisableSuggestions']);

const MEDIA_TYPES = {
  json: 'application/json; charset=utf-8',
  graphqlResponse: 'application/graphql-response+json; charset=utf-8',
  callback: 'application/json; callbackSpec=1.0; charset=utf-8',
};

/** A document kept as one that does not parse or validate: Apollo Server answers it. */
const INVALID = Symbol('invalid document');
/** An `Accept` header that accepts none of the media types Apollo Server writes: Apollo Server answers 406. */
const NONE = Symbol('no acceptable media type');

/** A document that parsed and validated against one schema, with what the handler needs of it. */
interface ValidDocument {
  document: DocumentNode;
  queryHash: string;
  /** Whether any `@defer` or `@stream` appears: such operations stay on Apollo Server's (incremental) path. */
  incremental: boolean;
}

export interface DirectOperationOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** The API schema served now (it follows every reload). */
  schema(): GraphQLSchema | undefined;
  /** The request's context, as the Apollo Server integration builds it. */
  context(request: FastifyRequest): Promise<TContext>;
  /** How many documents' outcomes (parsed and valid, or not) are kept, the least recently used dropped first (default 1000). */
  documents?: number;
}

export interface GraphQLRouteOptions<TContext extends BaseContext> extends DirectOperationOptions<TContext> {
  path: string;
  /** `iris` (default): {@link directOperationHandler} first, Apollo Server for what it declines; `apollo`: Apollo Server alone. */
  handler?: 'iris' | 'apollo';
}

/**
 * GraphQL over HTTP at `path` (GET, POST, OPTIONS): each request to the direct handler first, and to
 * Apollo Server's Fastify handler when it declines, with the one context builder for both.
 */
export function registerGraphQLRoute<TContext extends BaseContext>(app: FastifyInstance, options: GraphQLRouteOptions<TContext>): void {
  const direct: DirectOperationHandler = options.handler === 'apollo' ? async () => undefined : directOperationHandler(options);
  const viaApollo = fastifyApolloHandler(options.apollo, { context: (request) => options.context(request) });
  app.route<{ Reply: string }>({
    method: ['GET', 'POST', 'OPTIONS'],
    url: options.path,
    async handler(request, reply) {
      return (await direct(request, reply)) ?? viaApollo.call(this, request, reply);
    },
  });
}

/** What a `POST /graphql` handler does with a request: answered here, or left to Apollo Server's own handler. */
export type DirectOperationHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<string | undefined>;

/**
 * Queries and mutations over `POST /graphql` without Apollo Server's HTTP layer and request pipeline,
 * running the same plugins with the same hooks in the same order, the same executor (the gateway's),
 * and the same error formatting and response encoding, so that a client cannot tell the two apart
 * (`test/http-handler.e2e.test.ts` compares them request by request). What it saves per request: the
 * URL parse, the SHA-256 of the document and the document store's lookup (the document is kept here,
 * by its text), content negotiation (kept per `Accept` header), and the promises of hooks no plugin has.
 *
 * It answers only an operation sent as JSON whose document parses and validates (with Apollo Server's
 * rules; the outcome is kept per document and schema), without a persisted-query extension, @defer or
 * @stream, naming a query or a mutation of the document. For anything else (an invalid document, GET,
 * batches, APQ, subscriptions, incremental delivery, a context that cannot be built) it returns undefined
 * before any hook has run, and Apollo Server's handler answers as it always does. The plugins' parsing
 * and validation hooks do not run here, as they do not when Apollo Server finds a document in its store.
 * Every plugin runs, Apollo Server's implicit ones included; with usage or schema reporting installed,
 * whose hooks this handler does not promise to run alike, every request stays on Apollo Server's path.
 */
export function directOperationHandler<TContext extends BaseContext>(options: DirectOperationOptions<TContext>): DirectOperationHandler {
  const { apollo } = options;
  const internals = (apollo as unknown as { internals: ApolloInternals<TContext> }).internals;
  // Read from Apollo Server's private state (@apollo/server is pinned): if that ever changes shape, every
  // request goes to Apollo Server, which is slower but answers the same.
  if (!Array.isArray(internals?.plugins) || !Array.isArray(internals.validationRules) || typeof internals.stringifyResult !== 'function') {
    apollo.logger.warn(
      'Apollo Server does not hold its settings as this version of Iris expects: POST /graphql is answered by Apollo Server alone',
    );
    return async () => undefined;
  }
  const runsAlike = internals.plugins.every(
    (plugin) =>
      plugin.__internal_plugin_id__ === undefined ||
      plugin.__is_disabled_plugin__ === true ||
      PLUGINS_THE_HANDLER_RUNS_ALIKE.has(plugin.__internal_plugin_id__),
  );
  if (!runsAlike || internals.dangerouslyDisableValidation) return async () => undefined;
  // By document text: a valid document with what the handler needs of it, or INVALID.
  const documents = new LRUCache<string, ValidDocument | typeof INVALID>({ max: options.documents ?? 1000 });
  let documentsSchema: GraphQLSchema | undefined;
  // By `Accept` header: the media type of the answer, or NONE when it accepts none Apollo Server writes.
  const contentTypes = new LRUCache<string, string | typeof NONE>({ max: 100 });

  /** The document of `query` parsed and validated once per schema; null for one that does not parse or validate. */
  const validDocument = (schema: GraphQLSchema, query: string): ValidDocument | null => {
    if (schema !== documentsSchema) {
      documents.clear();
      documentsSchema = schema;
    }
    const known = documents.get(query);
    if (known !== undefined) return known === INVALID ? null : known;
    let entry: ValidDocument | null = null;
    try {
      const document = parse(query, internals.parseOptions);
      let errors = validate(schema, document, [...specifiedRules, ...internals.validationRules], internals.validationOptions);
      if (errors.length === 0 && internals.laterValidationRules) errors = validate(schema, document, internals.laterValidationRules);
      if (errors.length === 0)
        entry = { document, queryHash: createHash('sha256').update(query).digest('hex'), incremental: hasIncrementalDirective(document) };
    } catch {
      entry = null;
    }
    documents.set(query, entry ?? INVALID);
    return entry;
  };

  const contentTypeFor = (accept: string | undefined): string | null => {
    if (!accept) return MEDIA_TYPES.json;
    let type = contentTypes.get(accept);
    if (type === undefined) {
      type =
        new Negotiator({ headers: { accept } }).mediaType([MEDIA_TYPES.json, MEDIA_TYPES.graphqlResponse, MEDIA_TYPES.callback]) ?? NONE;
      contentTypes.set(accept, type);
    }
    return type === NONE ? null : type;
  };

  return async (request, reply) => {
    const executor = internals.gatewayExecutor;
    const schema = options.schema();
    if (!executor || !schema || request.method !== 'POST' || !isJson(request.headers['content-type'])) return undefined;
    const body = request.body as Record<string, unknown> | null | undefined;
    if (!isRecord(body)) return undefined;
    const { query, variables, operationName, extensions } = body;
    if (typeof query !== 'string' || query === '') return undefined;
    if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
    if (extensions !== undefined && extensions !== null && (!isRecord(extensions) || 'persistedQuery' in extensions)) return undefined;
    const contentType = contentTypeFor(request.headers.accept);
    if (contentType === null) return undefined;
    const valid = validDocument(schema, query);
    if (!valid || valid.incremental) return undefined;
    const operation = getOperationAST(valid.document, operationName ?? undefined);
    if (!operation || operation.operation === 'subscription') return undefined;
    let contextValue: TContext;
    try {
      contextValue = await options.context(request);
    } catch {
      return undefined;
    }

    const headers = new HeaderMap();
    for (const name in request.headers) {
      const value = request.headers[name];
      if (value) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const search = request.url.indexOf('?');
    const requestContext = {
      logger: apollo.logger,
      cache: apollo.cache,
      schema,
      request: {
        query,
        operationName: operationName ?? undefined,
        variables: variables ?? undefined,
        extensions: extensions ?? undefined,
        http: { method: 'POST', headers, search: search === -1 ? '' : request.url.slice(search), body },
      },
      response: { http: { status: undefined, headers: new HeaderMap() } as HTTPGraphQLHead },
      contextValue: Object.assign(Object.create(Object.getPrototypeOf(contextValue)), contextValue) as TContext,
      metrics: {},
      overallCachePolicy: new CachePolicy(),
      requestIsBatched: false,
    } as unknown as GraphQLRequestContext<TContext>;

    let response: GraphQLResponse;
    try {
      response = await run(requestContext, valid, operation, executor);
    } catch (error) {
      // As Apollo Server answers a request whose processing threw.
      const thrown = error instanceof Error ? error : new Error(String(error));
      await Promise.all(
        internals.plugins.map(async (plugin) => plugin.unexpectedErrorProcessingRequest?.({ requestContext, error: thrown })),
      );
      apollo.logger.error(`Unexpected error processing request: ${thrown}`);
      const { formattedErrors, http } = formatErrors([new Error('Internal server error')]);
      void reply.code(http.status ?? 500);
      for (const [name, value] of http.headers) void reply.header(name, value);
      void reply.header('content-type', contentType);
      return internals.stringifyResult({ errors: formattedErrors });
    }
    const http = response.http;
    if (!http.headers.get('content-type')) http.headers.set('content-type', contentType);
    for (const [name, value] of http.headers) void reply.header(name, value);
    void reply.code(http.status ?? 200);
    const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
    return internals.stringifyResult({
      errors: result.errors,
      data: result.data,
      extensions: result.extensions,
    } as FormattedExecutionResult);
  };

  /** Apollo Server's `processGraphQLRequest` from the point where the document is known valid. */
  async function run(
    requestContext: GraphQLRequestContext<TContext>,
    valid: ValidDocument,
    operation: OperationDefinitionNode,
    executor: GatewayExecutor,
  ): Promise<GraphQLResponse> {
    const context = requestContext as Mutable<GraphQLRequestContext<TContext>>;
    const started: Promise<GraphQLRequestListener<TContext> | undefined | void>[] = [];
    for (const plugin of internals.plugins) started.push(plugin.requestDidStart?.(requestContext) as never);
    const listeners: GraphQLRequestListener<TContext>[] = [];
    for (const listener of await Promise.all(started)) if (listener) listeners.push(listener);

    const metrics = context.metrics as { persistedQueryHit?: boolean; persistedQueryRegister?: boolean };
    metrics.persistedQueryHit = false;
    metrics.persistedQueryRegister = false;
    context.queryHash = valid.queryHash;
    context.source = context.request.query!;
    await invoke(listeners, 'didResolveSource', requestContext);
    context.document = valid.document;
    context.operation = operation;
    context.operationName = operation.name?.value ?? null;

    try {
      await invoke(listeners, 'didResolveOperation', requestContext);
    } catch (error) {
      return sendErrors(requestContext, listeners, [asGraphQLError(error)]);
    }

    let fromPlugin: GraphQLResponse | null = null;
    for (const listener of listeners) {
      if (!listener.responseForOperation) continue;
      fromPlugin = await listener.responseForOperation(requestContext as never);
      if (fromPlugin != null) break;
    }
    if (fromPlugin != null) {
      context.response.body = fromPlugin.body;
      mergeHead(context.response.http!, fromPlugin.http);
    } else {
      const executionListeners: GraphQLRequestExecutionListener<TContext>[] = [];
      for (const listener of listeners)
        if (listener.executionDidStart) {
          const executionListener = await listener.executionDidStart(requestContext as never);
          if (executionListener) executionListeners.push(executionListener);
        }
      executionListeners.reverse();
      try {
        const result = await executor(gatewayRequestContext(requestContext, internals));
        let errors: GraphQLError[] | undefined;
        if (result.errors) {
          errors = [];
          for (const error of result.errors as GraphQLError[])
            errors.push(isBadUserInput(error) && error.extensions?.code == null ? userInputError(error) : error);
          context.errors = errors;
          await invoke(listeners, 'didEncounterErrors', requestContext);
        }
        const { formattedErrors, http } = errors ? formatErrors(errors) : { formattedErrors: undefined, http: newHead() };
        if (internals.status400ForVariableCoercionErrors && errors?.length && result.data === undefined && !http.status) http.status = 400;
        mergeHead(context.response.http!, http);
        context.response.body = { kind: 'single', singleResult: { ...result, errors: formattedErrors } as never };
      } catch (error) {
        const thrown = error instanceof Error ? error : new GraphQLError(`Unexpected error value: ${String(error)}`);
        for (const listener of executionListeners) await listener.executionDidEnd?.(thrown);
        return sendErrors(requestContext, listeners, [asGraphQLError(thrown)]);
      }
      for (const listener of executionListeners) await listener.executionDidEnd?.();
    }
    await invoke(listeners, 'willSendResponse', requestContext);
    return context.response as GraphQLResponse;
  }

  /** Apollo Server's `sendErrorResponse`: the errors alone, 500 unless one of them says otherwise. */
  async function sendErrors(
    requestContext: GraphQLRequestContext<TContext>,
    listeners: GraphQLRequestListener<TContext>[],
    errors: GraphQLError[],
  ): Promise<GraphQLResponse> {
    const context = requestContext as Mutable<GraphQLRequestContext<TContext>>;
    context.errors = errors;
    await invoke(listeners, 'didEncounterErrors', requestContext);
    const { formattedErrors, http } = formatErrors(errors);
    context.response.body = { kind: 'single', singleResult: { errors: formattedErrors } };
    mergeHead(context.response.http!, http);
    if (!context.response.http!.status) context.response.http!.status = 500;
    await invoke(listeners, 'willSendResponse', requestContext);
    return context.response as GraphQLResponse;
  }

  /** Apollo Server's `normalizeAndFormatErrors`: each error as a GraphQL error with a code, through `formatError`. */
  function formatErrors(errors: readonly unknown[]): { formattedErrors: GraphQLFormattedError[]; http: HTTPGraphQLHead } {
    const http = newHead();
    const formatError = internals.formatError ?? ((formatted: GraphQLFormattedError) => formatted);
    const enrich = (maybeError: unknown): GraphQLFormattedError => {
      const error = asGraphQLError(maybeError);
      const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
      if (isPartialHead(extensions.http)) {
        mergeHead(http, { headers: new HeaderMap(), ...(extensions.http as Partial<HTTPGraphQLHead>) } as HTTPGraphQLHead);
        delete extensions.http;
      }
      if (internals.includeStacktraceInErrorResponses) extensions.stacktrace = error.stack?.split('\n');
      return { ...error.toJSON(), extensions };
    };
    const formattedErrors = errors.map((error) => {
      try {
        return formatError(enrich(error), error);
      } catch (formattingError) {
        if (internals.includeStacktraceInErrorResponses) return enrich(formattingError);
        return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    });
    return { formattedErrors, http };
  }
}

type GatewayExecutor = ApolloGateway['executor'];

type RequestHook = 'didResolveSource' | 'didResolveOperation' | 'didEncounterErrors' | 'willSendResponse';

/** One hook of every listener that has it, called as Apollo Server calls it (all at once, awaited together). */
async function invoke<TContext extends BaseContext>(
  listeners: GraphQLRequestListener<TContext>[],
  hook: RequestHook,
  requestContext: GraphQLRequestContext<TContext>,
): Promise<void> {
  let pending: unknown[] | undefined;
  for (const listener of listeners) {
    const call = listener[hook] as ((context: GraphQLRequestContext<TContext>) => unknown) | undefined;
    if (call) (pending ??= []).push(call.call(listener, requestContext));
  }
  if (pending) await Promise.all(pending);
}
type GatewayGraphQLRequestContext = Parameters<GatewayExecutor>[0];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What Apollo Server gives a gateway's executor (`makeGatewayGraphQLRequestContext`). */
function gatewayRequestContext<TContext extends BaseContext>(
  requestContext: GraphQLRequestContext<TContext>,
  internals: ApolloInternals<TContext>,
): GatewayGraphQLRequestContext {
  const { request, response } = requestContext;
  const http = request.http!;
  return {
    request: {
      query: request.query,
      operationName: request.operationName,
      variables: request.variables,
      extensions: request.extensions,
      http: {
        method: http.method,
        url: `https://unknown-url.invalid/${http.search !== '' && !http.search.startsWith('?') ? '?' : ''}${http.search}`,
        headers: new FetcherHeaders(http.headers),
      },
    },
    response: {
      http: {
        headers: new FetcherHeaders(response.http.headers),
        get status() {
          return response.http.status;
        },
        set status(status) {
          response.http.status = status;
        },
      },
    },
    logger: requestContext.logger,
    schema: requestContext.schema,
    schemaHash: 'schemaHash no longer exists since Apollo Server 4' as never,
    context: requestContext.contextValue,
    cache: requestContext.cache,
    queryHash: requestContext.queryHash!,
    document: requestContext.document!,
    source: requestContext.source!,
    operationName: requestContext.operationName!,
    operation: requestContext.operation!,
    errors: requestContext.errors,
    metrics: requestContext.metrics,
    debug: internals.includeStacktraceInErrorResponses,
    overallCachePolicy: requestContext.overallCachePolicy,
    requestIsBatched: false,
  } as unknown as GatewayGraphQLRequestContext;
}

/** A `HeaderMap` seen as fetch `Headers`, as Apollo Server shows it to a gateway. */
class FetcherHeaders {
  constructor(private readonly map: HeaderMap) {}
  append(name: string, value: string) {
    this.map.set(name, this.map.has(name) ? `${this.map.get(name)}, ${value}` : value);
  }
  delete(name: string) {
    this.map.delete(name);
  }
  get(name: string) {
    return this.map.get(name) ?? null;
  }
  has(name: string) {
    return this.map.has(name);
  }
  set(name: string, value: string) {
    this.map.set(name, value);
  }
  entries() {
    return this.map.entries();
  }
  keys() {
    return this.map.keys();
  }
  values() {
    return this.map.values();
  }
  [Symbol.iterator]() {
    return this.map.entries();
  }
}

type CacheHint = { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' };

/** Apollo Server's `newCachePolicy`, its methods on a prototype rather than made again for every request. */
class CachePolicy {
  maxAge: number | undefined = undefined;
  scope: 'PUBLIC' | 'PRIVATE' | undefined = undefined;
  restrict(hint: CacheHint) {
    if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
    if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
  }
  replace(hint: CacheHint) {
    if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
    if (hint.scope !== undefined) this.scope = hint.scope;
  }
  policyIfCacheable() {
    if (this.maxAge === undefined || this.maxAge === 0) return null;
    return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
  }
}

function newHead(status?: number): HTTPGraphQLHead {
  return { status, headers: new HeaderMap() };
}

function mergeHead(target: HTTPGraphQLHead, source: Partial<HTTPGraphQLHead>): void {
  if (source.status) target.status = source.status;
  if (source.headers) for (const [name, value] of source.headers) target.headers.set(name, value);
}

function isPartialHead(value: unknown): boolean {
  return (
    !!value &&
    typeof value === 'object' &&
    (!('status' in value) || typeof value.status === 'number') &&
    (!('headers' in value) || value.headers instanceof Map)
  );
}

function asGraphQLError(maybeError: unknown): GraphQLError {
  const error = maybeError instanceof Error ? maybeError : new GraphQLError(`Unexpected error value: ${String(maybeError)}`);
  return error instanceof GraphQLError ? error : new GraphQLError(error.message, { originalError: error });
}

/** graphql-js's messages for a variable whose value does not coerce (Apollo Server's `isBadUserInputGraphQLError`). */
function isBadUserInput(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const name = node.variable.name.value;
  return (
    error.message.startsWith(`Variable "$${name}" has invalid value`) ||
    error.message.startsWith(`Variable "$${name}" got invalid value `) ||
    error.message.startsWith(`Variable "$${name}" of required type `) ||
    error.message.startsWith(`Variable "$${name}" of non-null type `)
  );
}

/** Apollo Server's `UserInputError` of such an error. */
function userInputError(error: GraphQLError): GraphQLError {
  const copy = new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
  copy.name = 'UserInputError';
  return copy;
}

function hasIncrementalDirective(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'defer' || node.name.value === 'stream') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}
