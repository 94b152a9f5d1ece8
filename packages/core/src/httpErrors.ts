import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, graphqlErrorBody, MASKED_MESSAGE } from './errors.js';
import { REQUEST_ID_HEADER } from './logger.js';

/** What Fastify says before GraphQL is reached, rewritten for a person holding a GraphQL client. */
const MESSAGES: Record<string, (error: FastifyError, request: FastifyRequest) => string> = {
  // CSRF prevention refuses a GET that carries no `apollo-require-preflight` (or `x-apollo-operation-name`)
  // header, so the GET advice names it; files never come as multipart (see `uploadCapture`).
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_error, request) =>
    `Unsupported content type: POST the operation as JSON with \`Content-Type: application/json\` (or send a GET with \`?query=\` and the header \`apollo-require-preflight: true\`).${
      /^multipart\//i.test(request.headers['content-type'] ?? '')
        ? ' Files are not sent as multipart: put the image in `uploadCapture` as base64 (`imageBase64`, e.g. from `base64 -w0 photo.jpg`), or PUT it to the URL `createCaptureUploadUrl` returns.'
        : ''
    }`,
  // Fastify's parser gives no detail: a syntax error and a `__proto__` key are both this.
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    'The body is not valid JSON: check it for a missing brace, quote or comma, and send one object such as `{ "query": "{ me { email } }" }` (keys named `__proto__` are refused too).',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'The body is empty: send `{ "query": "..." }`.',
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'The body is larger than this server accepts; send less (large files go through an upload URL).',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'The Content-Length header does not match the body.',
  FST_ERR_CTP_INVALID_TYPE: () => 'The Content-Type header is not valid.',
  FST_ERR_BAD_URL: () => 'The URL is not valid (check its percent-escapes).',
};

/** What Apollo Server says of a JSON body that is not an operation, rewritten as what to send instead. */
const APOLLO_MESSAGES: Record<string, string> = {
  'POST body missing, invalid Content-Type, or JSON object has no keys.':
    'The body must be a JSON object with a `query` string, such as `{ "query": "{ me { email } }" }` (or a list of such objects, a batch).',
};

/** An error Apollo Server raised over the body of a request, worded as `MESSAGES` word Fastify's; any other as it is. */
export function rewordRequestError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = formatted.extensions?.code === 'BAD_REQUEST' ? APOLLO_MESSAGES[formatted.message] : undefined;
  return message ? { ...formatted, message } : formatted;
}

/** Deliberate errors a plain route may throw, and the HTTP status each answers with. */
const CLIENT_STATUS: Record<string, number> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

/**
 * Answers what never reaches GraphQL (a body too large or not JSON, an unsupported content type, an
 * unknown route, a failure in a plain HTTP route) in the shape a GraphQL client reads:
 * `{ errors: [{ message, extensions: { code } }] }`, with a 4xx status a client can act on. 5xx
 * failures are logged and masked like any unexpected error. Register it before the routes.
 */
export function registerHttpErrorHandlers(app: FastifyInstance, log: (err: unknown) => void = () => {}): void {
  app.setErrorHandler((error: FastifyError & { errors?: unknown }, request, reply) => {
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (Array.isArray(error.errors)) {
      // Already a GraphQL error body (a plugin's own, e.g. a rate limit): keep it.
      return reply.code(status).send({ errors: error.errors });
    }
    const clientCode = (error as { extensions?: { code?: unknown } }).extensions?.code;
    if (typeof clientCode === 'string' && clientCode in CLIENT_STATUS) {
      // A deliberate GraphQL error thrown by a plain route (the SSE endpoint refusing a caller).
      return reply.code(CLIENT_STATUS[clientCode]!).send(graphqlErrorBody(error.message, clientCode));
    }
    if (status < 400 || status >= 500) {
      log(error);
      return reply.code(500).send(
        graphqlErrorBody(MASKED_MESSAGE, ErrorCode.INTERNAL_SERVER_ERROR, {
          requestId: [request.headers[REQUEST_ID_HEADER]].flat()[0] ?? request.id,
        }),
      );
    }
    const message = MESSAGES[error.code]?.(error, request) ?? (error.message || 'The request is not valid.');
    const code = status === 429 ? ErrorCode.RATE_LIMITED : 'BAD_REQUEST';
    return reply.code(status).send(graphqlErrorBody(message, code));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!.slice(0, 200);
    return reply
      .code(404)
      .send(graphqlErrorBody(`Nothing is served at ${request.method} ${path}. GraphQL is at POST /graphql.`, ErrorCode.NOT_FOUND));
  });
}
