import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from '@apollo/server';
import { Kind, type DocumentNode, type GraphQLError, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import type { AuthState } from '../auth/principal.js';
import type { Logger } from '../logger.js';

/**
 * One log line per operation: what ran (type and name), how long it took, how it ended (`ok`, or the
 * codes of its errors, a refusal's reason with them) and who asked, on the request's logger so it
 * carries the request id. At the gateway this is the line a developer reads for each request; the
 * subgraphs write theirs at debug level, so at `info` a request is one line.
 *
 *     JSON:   {"level":30,"time":"…","component":"gateway","requestId":"…","operationType":"query",
 *              "operationName":"Me","durationMs":12.3,"result":"ok","caller":"user:MAIN","msg":"query Me ok 12.3 ms user:MAIN"}
 *     pretty: 14:03:01.123 INFO: gateway   query Me ok 12.3 ms user:MAIN {"requestId":"…"}
 */

export type OperationLogLevel = 'info' | 'debug';

/** An error as the operation line keeps it: its code and what a reader needs to act on it. */
export interface LoggedError {
  code: string;
  /** `UNAUTHENTICATED`'s `extensions.reason` (`TOKEN_EXPIRED`, …). */
  reason?: string;
  /** The operation limit a refusal names (`cost`, `depth`, …). */
  limit?: string;
  message: string;
  path?: string;
}

export interface OperationFacts {
  type: string | null | undefined;
  name: string | null | undefined;
  /** The root fields an unnamed operation asks for: what the line names it by. */
  rootFields?: readonly string[] | undefined;
  durationMs: number;
  caller: string;
  errors?: readonly (GraphQLFormattedError | GraphQLError)[] | undefined;
  /** For subscriptions: the transport and how many events were sent. */
  transport?: string;
  events?: number;
}

/** Codes that say the server, not the client, failed: their lines are warnings. */
const SERVER_SIDE_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);
/** Errors kept per line; an operation with more says how many there were. */
const MAX_LOGGED_ERRORS = 5;

/** The kind of caller, never who: `anonymous`, `user:MAIN` (the role), `app:apiKey` (how the app proved itself). */
export function callerKind(auth: Pick<AuthState, 'principal'> | null | undefined): string {
  const principal = auth?.principal;
  if (!principal) return 'anonymous';
  return principal.kind === 'user' ? `user:${principal.role}` : `app:${principal.via}`;
}

/** `ok`, or the distinct codes of the errors, each with its reason when it has one: `UNAUTHENTICATED/TOKEN_EXPIRED`. */
export function resultOf(errors: readonly LoggedError[]): string {
  if (errors.length === 0) return 'ok';
  return [...new Set(errors.map((e) => (e.reason ? `${e.code}/${e.reason}` : e.code)))].join(',');
}

/** The errors of a response as the log keeps them; values a client sent are not repeated. */
export function loggedErrors(errors: readonly (GraphQLFormattedError | GraphQLError)[] | undefined): LoggedError[] {
  return (errors ?? []).map((error) => {
    const extensions = (error.extensions ?? {}) as Record<string, unknown>;
    const logged: LoggedError = { code: typeof extensions.code === 'string' ? extensions.code : 'UNKNOWN', message: scrub(error.message) };
    if (typeof extensions.reason === 'string') logged.reason = extensions.reason;
    if (typeof extensions.limit === 'string') logged.limit = extensions.limit;
    if (error.path?.length) logged.path = error.path.join('.');
    return logged;
  });
}

/**
 * graphql-js repeats a bad variable's value in its message ("got invalid value { password: … }; …
 * cannot represent …: \"…\""), which may hold a secret the redaction paths cannot see inside a string:
 * the rest of such a message is cut off (the client got it whole).
 */
function scrub(message: string): string {
  const cut = message.replace(/ got invalid value .*$/s, ' got an invalid value (not logged).');
  return cut.length > 300 ? `${cut.slice(0, 300)}…` : cut;
}

/** Writes the line of one operation (see the top of this file) at `level`, or as a warning when the server failed. */
export function logOperation(logger: Logger, level: OperationLogLevel, facts: OperationFacts): void {
  const errors = loggedErrors(facts.errors);
  const result = resultOf(errors);
  const lineLevel = level === 'info' && errors.some((e) => SERVER_SIDE_CODES.has(e.code)) ? 'warn' : level;
  if (!logger.isLevelEnabled(lineLevel)) return;
  const durationMs = Math.round(facts.durationMs * 10) / 10;
  const type = facts.type ?? 'operation';
  const unnamed = !facts.name && facts.rootFields?.length ? facts.rootFields : undefined;
  const name = facts.name || (unnamed ? `{ ${unnamed.join(' ')} }` : '(unnamed)');
  const line: Record<string, unknown> = {
    operationType: facts.type ?? null,
    operationName: facts.name || null,
    durationMs,
    result,
    caller: facts.caller,
  };
  if (unnamed) line.rootFields = unnamed;
  if (facts.transport) line.transport = facts.transport;
  if (facts.events !== undefined) line.events = facts.events;
  if (errors.length) line.errors = errors.slice(0, MAX_LOGGED_ERRORS);
  if (errors.length > MAX_LOGGED_ERRORS) line.errorCount = errors.length;
  const events = facts.events !== undefined ? `, ${facts.events} event${facts.events === 1 ? '' : 's'}` : '';
  const transport = facts.transport ? ` over ${facts.transport}` : '';
  logger[lineLevel](line, `${type} ${name} ${result} ${durationMs} ms ${facts.caller}${transport}${events}`);
}

/**
 * A request refused before any operation ran (a CSRF check, a body that is not a GraphQL request, a
 * limit on the request's size): one line with the status and the codes of what the client was told.
 */
export function logRefusedRequest(
  logger: Logger,
  refusal: { method?: string; path?: string; status?: number; errors: readonly (GraphQLFormattedError | GraphQLError)[] },
): void {
  const errors = loggedErrors(refusal.errors);
  const result = resultOf(errors);
  const line: Record<string, unknown> = { result, errors: errors.slice(0, MAX_LOGGED_ERRORS) };
  if (refusal.status) line.status = refusal.status;
  const where = refusal.method && refusal.path ? `${refusal.method} ${refusal.path} ` : '';
  logger.info(line, `${where}refused${refusal.status ? ` ${refusal.status}` : ''} ${result}`);
}

function soleOperation(document: DocumentNode | undefined): OperationDefinitionNode | undefined {
  const operations = document?.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION) ?? [];
  return operations.length === 1 ? operations[0] : undefined;
}

/** The names of an operation's root fields, as written (fragments are not followed). */
export function rootFieldsOf(operation: OperationDefinitionNode | undefined): string[] {
  return operation?.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) ?? [];
}

function responseErrors(response: GraphQLResponse): readonly GraphQLFormattedError[] | undefined {
  return response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
}

/**
 * Set by {@link operationLogPlugin} (with `markResponses`) on every HTTP response of an operation it
 * saw: the HTTP server then knows the request was logged as an operation, logs the refusals made
 * before one started itself (see the gateway's `logRefusedRequests`), and takes the header off.
 */
export const OPERATION_LOGGED_HEADER = 'x-iris-operation-logged';

/**
 * The Apollo Server plugin that writes each operation's line (see {@link logOperation}) on the
 * context's `logger`, with the caller from its `auth`. Executions a server makes for itself (a context
 * with `internal`, as the gateway's per-event resolution of a subscription) are logged at debug level.
 */
export function operationLogPlugin<Context extends BaseContext>(
  options: { level?: OperationLogLevel; markResponses?: boolean } = {},
): ApolloServerPlugin<Context> {
  const level = options.level ?? 'debug';
  return {
    async requestDidStart({ contextValue }) {
      const { logger, auth, internal } = contextValue as { logger?: Logger; auth?: AuthState; internal?: boolean };
      const lineLevel = internal ? 'debug' : level;
      // Nothing to time when the line would not be written (a warning is still written at `info`).
      const logs = logger && (logger.isLevelEnabled(lineLevel) || (lineLevel === 'info' && logger.isLevelEnabled('warn')));
      if (!logs && !options.markResponses) return;
      const startedAt = performance.now();
      return {
        async willSendResponse({ response, operation, operationName, request, document }) {
          if (options.markResponses) response.http.headers.set(OPERATION_LOGGED_HEADER, '1');
          if (!logs || !logger) return;
          const errors = responseErrors(response);
          // An operation that succeeded writes nothing below the logger's level: nothing to put together.
          if (!errors?.length && !logger.isLevelEnabled(lineLevel)) return;
          // A document that parsed but did not validate has no resolved operation; its text still names it.
          const written = operation ?? soleOperation(document);
          logOperation(logger, lineLevel, {
            type: written?.operation,
            name: operationName ?? request.operationName ?? written?.name?.value,
            rootFields: rootFieldsOf(written),
            durationMs: performance.now() - startedAt,
            caller: callerKind(auth),
            errors,
          });
        },
      };
    },
  };
}
