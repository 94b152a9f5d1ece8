import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { STATUS_CODES } from 'node:http';
import { GATEWAY_SECRET_HEADER, REQUEST_ID_HEADER } from '@iris/core';
import { GraphQLError } from 'graphql';
import { Agent, type Dispatcher } from 'undici';
import type { GatewayContext } from '../context.js';

/** What `RemoteGraphQLDataSource` calls to reach a subgraph: `fetch`'s shape. */
export type SubgraphFetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'] & {};
type FetcherResponse = Awaited<ReturnType<SubgraphFetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

export interface SubgraphDataSourceOptions {
  url?: string;
  /**
   * How the subgraph is called (default: {@link createSubgraphFetcher}, pooled keep-alive HTTP).
   * Wrap it to add timeouts, retries or a circuit breaker around every call.
   */
  fetcher?: SubgraphFetcher;
  /** `GATEWAY_SECRET`, sent on every call: subgraphs describe their schema only to its holder. */
  gatewaySecret?: string | undefined;
}

/** Calls one subgraph, passing on the caller's credentials and the request id. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #gatewaySecret: string | undefined;

  constructor({ url, fetcher, gatewaySecret }: SubgraphDataSourceOptions) {
    super({ ...(url ? { url } : {}), fetcher: fetcher ?? createSubgraphFetcher() });
    this.#gatewaySecret = gatewaySecret;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (this.#gatewaySecret) request.http?.headers.set(GATEWAY_SECRET_HEADER, this.#gatewaySecret);
    // Requests the gateway makes on its own (health checks) carry no caller context.
    if (!('requestId' in context)) return;
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(REQUEST_ID_HEADER, context.requestId);
    for (const [name, value] of Object.entries(context.forwardHeaders as Record<string, string>)) headers.set(name, value);
  }

  /**
   * A subgraph answers 400 when the variables the gateway forwarded fail its own checks (a `DateTime`
   * the gateway cannot parse itself): that is the client's mistake, so its message and code reach the
   * client instead of being masked as an internal "400: Bad Request".
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const error = await super.errorFromResponse(response);
    const body = (error.extensions['response'] as { body?: unknown } | undefined)?.body;
    return clientErrorOf(response.status, body) ?? error;
  }
}

/**
 * The error a subgraph's 400 answer stands for when its variables failed the subgraph's own checks
 * (a `DateTime` the gateway cannot parse itself): that is the client's mistake, so its message and
 * BAD_USER_INPUT reach the client instead of an internal "400: Bad Request". Undefined otherwise.
 */
export function clientErrorOf(status: number, body: unknown): GraphQLError | undefined {
  const first = (body as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | undefined)?.errors?.[0];
  if (status === 400 && typeof first?.message === 'string' && first.extensions?.code === 'BAD_USER_INPUT') {
    return new GraphQLError(first.message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return undefined;
}

/** The headers of a call made for a caller: the gateway secret, the request id and the caller's credentials. */
export function subgraphHeaders(gatewaySecret: string | undefined, context: GatewayContext | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (gatewaySecret) headers[GATEWAY_SECRET_HEADER.toLowerCase()] = gatewaySecret;
  // Requests the gateway makes on its own (health checks) carry no caller context.
  if (!context || !('requestId' in context)) return headers;
  headers[REQUEST_ID_HEADER.toLowerCase()] = context.requestId;
  for (const [name, value] of Object.entries(context.forwardHeaders)) headers[name.toLowerCase()] = value;
  return headers;
}

export interface SubgraphFetcherOptions {
  /** Where requests go (default: one keep-alive pool per subgraph origin, shared by every data source). */
  dispatcher?: Dispatcher;
  /**
   * Identical queries in flight at once (same subgraph, same body, same credentials) share one call
   * and its answer. Mutations are never shared. On by default.
   */
  dedupe?: boolean;
  /**
   * A call whose answer does not begin within this many milliseconds, or stalls this long mid-answer, is
   * abandoned and its connection closed (undici's `headersTimeout` and `bodyTimeout`, on its own timers,
   * which fire up to a second late: no AbortSignal and no timer of its own per call). Default: undici's, 300 s.
   */
  timeoutMs?: number;
}

/** One pool of keep-alive connections per subgraph origin for the whole process. */
const sharedAgent = new Agent({ connections: 128, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });

/** A subgraph call as it came back, read to the end (so a wrapper may abort its signal once it returns). */
interface BufferedAnswer {
  url: string;
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Whether a subgraph request body is a query (`{"query":"query …"` or `{"query":"{ …"`, as
 * `RemoteGraphQLDataSource` serializes it): safe to share with an identical call or to send again.
 */
export const isQueryBody = (body: unknown): body is string => typeof body === 'string' && /^\{"query":"\s*(?:query\b|\{)/.test(body);

/**
 * The default `fetcher` of {@link SubgraphDataSource}: undici over pooled keep-alive connections
 * instead of `@apollo/gateway`'s `make-fetch-happen` (a new HTTP agent stack per call). The answer is
 * read whole before it is returned, and identical queries in flight at once share one call.
 */
export function createSubgraphFetcher(options: SubgraphFetcherOptions = {}): SubgraphFetcher {
  const dispatcher = options.dispatcher ?? sharedAgent;
  const dedupe = options.dedupe ?? true;
  const timeouts = options.timeoutMs === undefined ? {} : { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
  const inFlight = new Map<string, Promise<BufferedAnswer>>();

  const call = async (url: string, init: Parameters<SubgraphFetcher>[1]): Promise<BufferedAnswer> => {
    const { origin, path } = targetOf(url);
    const response = await dispatcher.request({
      origin,
      path,
      method: (init?.method ?? 'POST') as Dispatcher.HttpMethod,
      headers: init?.headers ?? {},
      body: init?.body ?? null,
      signal: init?.signal,
      ...timeouts,
    });
    const body = await response.body.text();
    return { url, status: response.statusCode, statusText: STATUS_CODES[response.statusCode] ?? '', headers: response.headers, body };
  };

  return async (url, init) => {
    const body = init?.body;
    if (!dedupe || !isQueryBody(body)) return new BufferedResponse(await call(url, init));
    const key = dedupeKey(url, init?.headers, body);
    let answer = inFlight.get(key);
    if (!answer) {
      answer = call(url, init).finally(() => inFlight.delete(key));
      inFlight.set(key, answer);
    }
    return new BufferedResponse(await answer);
  };
}

const targetCache = new Map<string, { origin: string; path: string }>();
/** A URL's origin and path, parsed once per URL. */
function targetOf(url: string): { origin: string; path: string } {
  let target = targetCache.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targetCache.size < 1_000) targetCache.set(url, target);
  }
  return target;
}

/** Every header but the request id takes part: callers with other credentials never share a call. */
function dedupeKey(url: string, headers: Record<string, string> | undefined, body: string): string {
  let key = url;
  if (headers) {
    for (const name of Object.keys(headers).sort()) {
      if (name.toLowerCase() !== REQUEST_ID_HEADER) key += `\n${name.toLowerCase()}:${headers[name]}`;
    }
  }
  return `${key}\n\n${body}`;
}

/** The small part of `Response` the gateway reads, over an answer already in memory. */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  bodyUsed = false;
  readonly headers: FetcherHeaders;

  constructor(private readonly answer: BufferedAnswer) {
    this.headers = new ReadOnlyHeaders(answer.headers);
  }

  get url() {
    return this.answer.url;
  }
  get status() {
    return this.answer.status;
  }
  get ok() {
    return this.answer.status >= 200 && this.answer.status < 300;
  }
  get statusText() {
    return this.answer.statusText;
  }
  async text() {
    this.bodyUsed = true;
    return this.answer.body;
  }
  async json() {
    this.bodyUsed = true;
    return JSON.parse(this.answer.body);
  }
  async arrayBuffer() {
    this.bodyUsed = true;
    const bytes = Buffer.from(this.answer.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone() {
    return new BufferedResponse(this.answer);
  }
}

class ReadOnlyHeaders implements FetcherHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string) {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  append(): void {
    throw new TypeError('subgraph response headers are read-only');
  }
  set(): void {
    throw new TypeError('subgraph response headers are read-only');
  }
  delete(): void {
    throw new TypeError('subgraph response headers are read-only');
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}
