import type { IncomingHttpHeaders } from 'node:http';
import type { AccessTokenVerifier, AuthState, Logger } from '@iris/core';
import { requestIdOf } from './observability/requestId.js';
import type { ApiKeyExchange } from './policy/apiKeys.js';
import { authenticateRequest } from './policy/auth.js';

/** The gateway's per-request context: who is calling, and what to forward to subgraphs. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  auth: AuthState;
  /** Credentials passed through to every subgraph, which verifies them again. */
  forwardHeaders: Record<string, string>;
  /** The caller's address (from `X-Forwarded-For` only behind a trusted proxy); anonymous rate limits key on it. */
  clientAddress: string;
  /** Set on executions the gateway makes itself (a subscription event's federated fields): not counted again. */
  internal?: boolean;
}

/** What every transport knows of its caller: the request's headers (or a socket's `connectionParams`) and address. */
export interface CallerRequest {
  headers: IncomingHttpHeaders;
  clientAddress: string;
}

export type CreateGatewayContext = (request: CallerRequest) => Promise<GatewayContext>;

/**
 * The one function that builds a {@link GatewayContext}, for every transport: `POST /graphql`, the REST
 * routes, graphql-ws, `/graphql/stream` and subscriptions over HTTP. The request id (the caller's own
 * when sane), a logger bound to it, who is calling (a bearer token verified, or an app credential
 * traded with identity: `authenticateRequest`) and the credentials to forward.
 */
export function gatewayContextFactory(options: {
  verifier: AccessTokenVerifier;
  apiKeys: ApiKeyExchange;
  logger: Logger;
}): CreateGatewayContext {
  return async ({ headers, clientAddress }) => {
    const requestId = requestIdOf(headers);
    const { auth, forwardHeaders } = await authenticateRequest(options.verifier, options.apiKeys, headers, requestId);
    return new RequestContext(requestId, auth, forwardHeaders, clientAddress, options.logger);
  };
}

/**
 * A request's context, whose logger is made the first time something is logged (most requests log
 * nothing). The getter lives on the prototype: Apollo Server copies each request's context with
 * `Object.assign` onto an object of the same prototype, which would call an own getter at once.
 */
class RequestContext implements GatewayContext {
  /** An own property (not `#private`): the copy Apollo Server makes must be able to set its own. */
  private requestLogger: Logger | undefined = undefined;

  constructor(
    readonly requestId: string,
    readonly auth: AuthState,
    readonly forwardHeaders: Record<string, string>,
    readonly clientAddress: string,
    private readonly parentLogger: Logger,
  ) {}

  get logger(): Logger {
    return (this.requestLogger ??= this.parentLogger.child({ requestId: this.requestId }));
  }
}

/** The context of an execution the gateway makes itself for a caller (a subscription event's federated fields). */
export function internalContext(context: GatewayContext): GatewayContext {
  return Object.assign(Object.create(Object.getPrototypeOf(context)) as GatewayContext, context, { internal: true });
}
