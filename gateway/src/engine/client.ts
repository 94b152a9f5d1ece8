import { STATUS_CODES } from 'node:http';
import { GraphQLError } from 'graphql';
import { Agent, type Dispatcher } from 'undici';
import { keepDataText } from './passThrough.js';
import type { SubgraphRequest, SubgraphResponse } from './plan.js';

/** What a direct subgraph client is given with each request besides the request itself. */
export interface SubgraphCall {
  /** The incoming operation's context value. */
  context: unknown;
  /** Restricts the incoming operation's cache policy (Apollo Server's `overallCachePolicy.restrict`), where there is one. */
  restrictCachePolicy: ((hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' }) => void) | undefined;
}

/** Sends one subgraph request; a rejection becomes one error of the response. */
export type SubgraphClient = (request: SubgraphRequest, call: SubgraphCall) => Promise<SubgraphResponse>;

/**
 * The direct client of a subgraph, by name and the URL the supergraph gives it (kept for the life of
 * the gateway: return the same client for the same arguments). A subgraph without one (undefined) is
 * fetched through its `@apollo/gateway` data source's `process()`.
 */
export type SubgraphClients = (serviceName: string, url: string | undefined) => SubgraphClient | undefined;

/** The part of a fetch `Response` the client reads. */
export interface HttpAnswer {
  url: string;
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** `fetch`'s shape, reduced to what a subgraph call needs (header names in lower case). */
export type HttpFetcher = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }) => Promise<HttpAnswer>;

export interface HttpSubgraphClientOptions {
  /** The subgraph's GraphQL endpoint. */
  url: string;
  /** How the endpoint is called (default: {@link keepAliveFetcher}). Wrap it for timeouts, retries, breakers. */
  fetcher?: HttpFetcher;
  /** Headers added to the request for this context (lower-case names); `content-type` is always JSON. */
  headers?: (context: unknown) => Record<string, string> | undefined;
  /**
   * The error of a non-2xx answer, given its parsed body (JSON when the answer says so, text otherwise);
   * undefined for the default, `@apollo/gateway`'s `"<status>: <status text>"` with the answer in
   * `extensions.response` (and UNAUTHENTICATED / FORBIDDEN for 401 / 403).
   */
  errorFromResponse?: (answer: HttpAnswer, body: unknown) => GraphQLError | undefined;
  /** Wraps every call (metrics, traces): `call` resolves to the subgraph's response. */
  observe?: (context: unknown, operationName: string | undefined, call: () => Promise<SubgraphResponse>) => Promise<SubgraphResponse>;
}

/**
 * A subgraph client over HTTP that does what `RemoteGraphQLDataSource.process()` does for an incoming
 * operation (POST of `{query, variables, operationName}` as JSON, the answer's errors for non-2xx,
 * its `Cache-Control` folded into the operation's cache policy) with less work per call: the headers
 * are one plain object, the body is written as one string whose query part is escaped once per
 * query, and the answer is parsed once.
 */
export function createHttpSubgraphClient(options: HttpSubgraphClientOptions): SubgraphClient {
  const { url, headers: headersOf, errorFromResponse, observe } = options;
  const fetcher = options.fetcher ?? keepAliveFetcher();
  // With its own HTTP, the client words a failed call as @apollo/gateway's fetch does; a given fetcher's
  // errors are its own.
  const ownHttp = options.fetcher === undefined;
  const prefixes = new Map<string, string>();

  const send = async (request: SubgraphRequest, call: SubgraphCall): Promise<SubgraphResponse> => {
    let prefix = prefixes.get(request.query);
    if (prefix === undefined) {
      prefix = `{"query":${JSON.stringify(request.query)},"variables":`;
      // Queries come from query plans, which are cached: this stays as small as the plan cache.
      if (prefixes.size >= 10_000) prefixes.clear();
      prefixes.set(request.query, prefix);
    }
    const body =
      request.operationName === undefined
        ? `${prefix}${JSON.stringify(request.variables)}}`
        : `${prefix}${JSON.stringify(request.variables)},"operationName":${JSON.stringify(request.operationName)}}`;
    const extra = headersOf?.(call.context);
    const headers: Record<string, string> = extra
      ? { ...extra, 'content-type': 'application/json' }
      : { 'content-type': 'application/json' };
    let answer: HttpAnswer;
    let text: string;
    try {
      answer = await fetcher(url, { method: 'POST', headers, body });
      text = await answer.text();
    } catch (err) {
      if (!ownHttp) throw err;
      throw new Error(`request to ${url} failed, reason: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseBody(answer, text);
    } catch (err) {
      if (!ownHttp) throw err;
      throw new Error(`invalid json response body at ${url} reason: ${(err as Error).message}`);
    }
    if (!answer.ok) throw errorFromResponse?.(answer, parsed) ?? defaultError(answer, parsed);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Expected JSON response body, but received: ${parsed}`);
    }
    if (request.passThrough) keepDataText(parsed, text);
    if (call.restrictCachePolicy) call.restrictCachePolicy(cacheHint(answer.headers.get('cache-control')));
    return parsed as SubgraphResponse;
  };
  return observe ? (request, call) => observe(call.context, request.operationName, () => send(request, call)) : send;
}

/** The answer's body as JSON when it says it is JSON, as text otherwise. */
function parseBody(answer: HttpAnswer, text: string): unknown {
  const contentType = answer.headers.get('content-type');
  if (contentType && (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json'))) {
    return JSON.parse(text);
  }
  return text;
}

function defaultError(answer: HttpAnswer, body: unknown): GraphQLError {
  const extensions: Record<string, unknown> = {
    response: { url: answer.url, status: answer.status, statusText: answer.statusText, body },
  };
  if (answer.status === 401) extensions.code = 'UNAUTHENTICATED';
  else if (answer.status === 403) extensions.code = 'FORBIDDEN';
  return new GraphQLError(`${answer.status}: ${answer.statusText}`, { extensions });
}

/** A subgraph's `Cache-Control` as a cache hint, read as `RemoteGraphQLDataSource` reads it. */
export function cacheHint(header: string | null): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  if (!header) return hint;
  const directives: Record<string, string | true> = {};
  for (const part of header.trim().split(/\s*,\s*/)) {
    const [name, value] = part.split(/\s*=\s*/, 2) as [string, string | undefined];
    directives[name] = value === undefined ? true : value.replace(/^"|"$/g, '');
  }
  const maxAge = directives['max-age'];
  if (typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge)) hint.maxAge = +maxAge;
  if (directives.private === true) hint.scope = 'PRIVATE';
  if (directives.public === true) hint.scope = 'PUBLIC';
  return hint;
}

/** One pool of keep-alive connections per origin, for the clients that are not given a fetcher. */
let defaultAgent: Agent | undefined;

/** A fetcher over undici's `request` on keep-alive connections, the answer read whole. */
export function keepAliveFetcher(dispatcher?: Dispatcher): HttpFetcher {
  const origins = new Map<string, { origin: string; path: string }>();
  return async (url, init) => {
    let target = origins.get(url);
    if (!target) {
      const parsed = new URL(url);
      origins.set(url, (target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }));
    }
    const agent = dispatcher ?? (defaultAgent ??= new Agent({ connections: 128, keepAliveTimeout: 30_000 }));
    const response = await agent.request({ ...target, method: init.method, headers: init.headers, body: init.body });
    const text = await response.body.text();
    const status = response.statusCode;
    return {
      url,
      status,
      statusText: STATUS_CODES[status] ?? '',
      ok: status >= 200 && status < 300,
      headers: {
        get: (name) => {
          const value = response.headers[name.toLowerCase()];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        },
      },
      text: async () => text,
    };
  };
}
