import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { CredentialError } from './auth/principal.js';

/**
 * The closed set of error codes the graph returns in `extensions.code`. Clients branch on these,
 * so a new code is an API change.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  /** A subgraph is down, too slow or cut off for a moment; the rest of the response is still returned. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const CLIENT_CODES = new Set<string>(Object.values(ErrorCode));

/** An error meant for the client: its message and code reach the response unchanged. */
export class IrisError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'IrisError';
  }
}

/** `field` names the argument path (`input.email`) so a form can put the message beside the right input. */
export const badUserInput = (message: string, field?: string, extra: Record<string, unknown> = {}) =>
  new IrisError(ErrorCode.BAD_USER_INPUT, message, field ? { field, ...extra } : extra);

export const SIGN_IN_FIRST = 'Sign in first: send an access token in `Authorization: Bearer <token>` or an API key in `api_key`.';

/**
 * The caller is not signed in. `extensions.reason` says why (a {@link CredentialReason}); without a
 * refused credential it is `CREDENTIALS_MISSING`.
 */
export const unauthenticated = (error?: CredentialError | string) => {
  const { reason, message } =
    typeof error === 'string'
      ? { reason: 'CREDENTIALS_MISSING', message: error }
      : (error ?? { reason: 'CREDENTIALS_MISSING', message: SIGN_IN_FIRST });
  return new IrisError(ErrorCode.UNAUTHENTICATED, message, { reason });
};

export const forbidden = (message = 'You do not have access to this.') => new IrisError(ErrorCode.FORBIDDEN, message);

export const notFound = (typename: string, id: string) =>
  new IrisError(ErrorCode.NOT_FOUND, `No ${typename} with id "${id}" exists, or you cannot see it.`, { typename, id });

export const conflict = (message: string, extra: Record<string, unknown> = {}) => new IrisError(ErrorCode.CONFLICT, message, extra);

export const MASKED_MESSAGE = 'Something went wrong on our side. Quote the request id when you report it.';

/**
 * Masks everything that is not a deliberate client error: the client gets a fixed message, the
 * request id to quote, and never a stack, SQL or internal path. Errors already carrying one of our
 * codes (including those a subgraph returned through the gateway) pass through.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  original: unknown,
  log: (err: unknown) => void,
  requestId?: string,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const deliberate =
    typeof code === 'string' && CLIENT_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR && !isUnexpected(original);
  const apolloValidation =
    typeof code === 'string' &&
    [
      'GRAPHQL_PARSE_FAILED',
      'GRAPHQL_VALIDATION_FAILED',
      'PERSISTED_QUERY_NOT_FOUND',
      'PERSISTED_QUERY_NOT_SUPPORTED',
      'PERSISTED_QUERY_NOT_IN_LIST',
      'OPERATION_RESOLUTION_FAILURE',
      'BAD_REQUEST',
    ].includes(code);
  if (deliberate || apolloValidation) {
    const { stacktrace: _stack, exception: _exception, serviceName: _service, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  if (code === ErrorCode.INTERNAL_SERVER_ERROR && formatted.message === MASKED_MESSAGE) {
    // Already masked upstream (a subgraph); keep its request id.
    return { message: MASKED_MESSAGE, path: formatted.path, extensions: { code, requestId: formatted.extensions?.requestId ?? requestId } };
  }
  log(original);
  return {
    message: MASKED_MESSAGE,
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
  };
}

/**
 * A GraphQLError wrapping a thrown non-GraphQL error (a Prisma failure, a TypeError) is unexpected.
 * An error a subgraph returned reaches the gateway wrapping the plain JSON error, which is not.
 */
function isUnexpected(original: unknown): boolean {
  if (original instanceof GraphQLError) {
    const cause = original.originalError;
    return cause instanceof Error && !(cause instanceof GraphQLError);
  }
  return false;
}

/**
 * A GraphQL-over-HTTP error body for a refusal made before GraphQL runs (rate limits, request limits,
 * persisted operations), so clients handle every refusal the same way.
 */
export const graphqlErrorBody = (message: string, code: string, extensions: Record<string, unknown> = {}) => ({
  errors: [{ message, extensions: { code, ...extensions } }],
});

/**
 * Logs each error that {@link maskError} will mask, on the request's own logger, so the line carries the
 * request id the client was given to quote (Apollo's `formatError` sees no request context).
 */
export function logUnexpectedErrors<
  Context extends { logger: { error: (obj: object, msg: string) => void } },
>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) maskError(error.toJSON(), error, (err) => contextValue.logger.error({ err }, 'unexpected error'));
        },
      };
    },
  };
}
