import { ErrorCode, unauthenticated, type AuthState } from '@iris/core';
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationTypeNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from '../context.js';
import { costLimitError, limitValidationRules, type OperationLimits } from './limits.js';
import type { PersistedOperationCheck } from './persistedOperations.js';

/** An operation as a transport receives it: a graphql-ws subscribe payload, an SSE or HTTP body. */
export interface OperationRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export interface AdmittedOperation {
  ok: true;
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  operation: OperationTypeNode;
}

export interface RefusedOperation {
  ok: false;
  /** The HTTP status a transport that has not started streaming answers with (400, 401, 413, 429). */
  status: number;
  errors: GraphQLError[];
}

export type Admission = AdmittedOperation | RefusedOperation;

export interface OperationAdmissionOptions {
  schema: () => GraphQLSchema;
  limits: OperationLimits;
  /** Persisted operations: resolves an id to its text, refuses what is not registered when only those may run. */
  persisted?: (request: OperationRequest) => PersistedOperationCheck;
  /** Rate limits per principal and for sign-in operations (`rateLimit.ts`). */
  rateLimit?: (
    context: GatewayContext,
    operation: { schema: GraphQLSchema; document: DocumentNode; operationName: string | undefined; variables: Record<string, unknown> },
  ) => Promise<GraphQLError | null>;
}

/**
 * What one transport hands over before it opens a stream: checks, in the order HTTP applies them and
 * with the same codes, every limit an operation over HTTP meets, so WebSocket, SSE and multipart HTTP
 * subscriptions admit exactly what `POST /graphql` admits:
 * 1. the caller's credentials (a refused one answers UNAUTHENTICATED with its `reason`);
 * 2. persisted operations (PERSISTED_QUERY_NOT_IN_LIST);
 * 3. the document's size in bytes (BAD_REQUEST, 413), then its tokens while parsing (GRAPHQL_PARSE_FAILED);
 * 4. the GraphQL rules and the shape limits: depth, aliases, directives, root fields, introspection
 *    (GRAPHQL_VALIDATION_FAILED);
 * 5. the cost (GRAPHQL_VALIDATION_FAILED, `limit: "cost"`);
 * 6. rate limits (RATE_LIMITED, 429).
 */
export type OperationAdmission = (context: GatewayContext, request: OperationRequest) => Promise<Admission>;

/** Parsed and validated documents per text: ten thousand subscribers of one operation cost one parse. */
const CACHED_DOCUMENTS = 1_000;

export function createOperationAdmission(options: OperationAdmissionOptions): OperationAdmission {
  const { limits } = options;
  const documents = new LRUCache<string, { schema: GraphQLSchema; result: DocumentNode | RefusedOperation }>({ max: CACHED_DOCUMENTS });
  const rules = [...specifiedRules, ...limitValidationRules(limits)];

  const prepare = (schema: GraphQLSchema, query: string): DocumentNode | RefusedOperation => {
    const cached = documents.get(query);
    if (cached?.schema === schema) return cached.result;
    let result: DocumentNode | RefusedOperation;
    try {
      const document = parse(query, { maxTokens: limits.MAX_TOKENS });
      const errors = validate(schema, document, rules);
      result = errors.length
        ? refused(
            400,
            errors.map((error) => coded(error, 'GRAPHQL_VALIDATION_FAILED')),
          )
        : document;
    } catch (err) {
      result = refused(400, [
        coded(err instanceof GraphQLError ? err : new GraphQLError('The document could not be read.'), 'GRAPHQL_PARSE_FAILED'),
      ]);
    }
    documents.set(query, { schema, result });
    return result;
  };

  return async (context, request) => {
    if (!context.auth.principal) return refusedCredentials(context.auth);
    const persisted = options.persisted?.(request);
    if (persisted && !persisted.ok)
      return refused(400, [new GraphQLError(persisted.message, { extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } })]);
    const { query, operationName, variables } = request;
    if (typeof query !== 'string' || query.length === 0) {
      return refused(400, [
        new GraphQLError("Send the operation's text in `query` (or a registered persisted operation id).", {
          extensions: { code: 'BAD_REQUEST' },
        }),
      ]);
    }
    const bytes = Buffer.byteLength(query);
    if (bytes > limits.MAX_DOCUMENT_BYTES) {
      return refused(413, [
        new GraphQLError(`The GraphQL document is ${bytes} bytes; the limit is ${limits.MAX_DOCUMENT_BYTES}.`, {
          extensions: { code: 'BAD_REQUEST', limit: 'documentBytes', max: limits.MAX_DOCUMENT_BYTES, found: bytes },
        }),
      ]);
    }
    if (operationName != null && typeof operationName !== 'string') {
      return refused(400, [new GraphQLError('`operationName` must be a string.', { extensions: { code: 'BAD_REQUEST' } })]);
    }
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) {
      return refused(400, [new GraphQLError('`variables` must be an object.', { extensions: { code: 'BAD_REQUEST' } })]);
    }
    const schema = options.schema();
    const document = prepare(schema, query);
    if (!isDocument(document)) return document;
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) {
      const message = operationName
        ? `The document has no operation named "${operationName}".`
        : 'The document holds several operations: name the one to run in `operationName`.';
      return refused(400, [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })]);
    }
    const values = (variables ?? {}) as Record<string, unknown>;
    const name = operationName ?? undefined;
    const tooCostly = costLimitError(schema, document, values, name, limits.MAX_QUERY_COST);
    if (tooCostly) return refused(400, [tooCostly]);
    const limited = await options.rateLimit?.(context, { schema, document, operationName: name, variables: values });
    if (limited) return refused(statusOf(limited, 429), [limited]);
    return { ok: true, schema, document, operationName: name, variables: values, operation: operation.operation };
  };
}

/** UNAUTHENTICATED with why the credential was refused (or CREDENTIALS_MISSING), as every transport says it. */
export function refusedCredentials(auth: AuthState): RefusedOperation {
  const error = unauthenticated(auth.credentialError ?? undefined);
  return refused(401, [new GraphQLError(error.message, { extensions: { ...error.extensions, code: ErrorCode.UNAUTHENTICATED } })]);
}

/**
 * A refused credential as a graphql-ws close reason: the reason first, for clients to branch on, then
 * what to do, cut to the 123 bytes a close frame may carry.
 */
export function credentialCloseReason(auth: AuthState): string {
  const [error] = refusedCredentials(auth).errors;
  const text = `${String(error!.extensions.reason)}: ${error!.message}`;
  return truncateUtf8(text, 123);
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = text;
  while (Buffer.byteLength(`${cut}…`) > maxBytes) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A refusal, its errors without `extensions.http` (Apollo Server's instructions for the response, not for clients). */
const refused = (status: number, errors: GraphQLError[]): RefusedOperation => ({ ok: false, status, errors: errors.map(withoutHttp) });

function withoutHttp(error: GraphQLError): GraphQLError {
  if (!('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}
const isDocument = (value: DocumentNode | RefusedOperation): value is DocumentNode => 'kind' in value;

/** Coded as Apollo Server codes the same errors over HTTP. */
function coded(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

function statusOf(error: GraphQLError, fallback: number): number {
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : fallback;
}
