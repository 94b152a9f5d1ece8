import type { GraphQLDataSource } from '@apollo/gateway';
import { REQUEST_ID_HEADER, subgraphFetchObserver, type Config } from '@iris/core';
import type { GatewayContext } from '../context.js';
import { createHttpSubgraphClient, type SubgraphClient, type SubgraphClients } from '../engine/index.js';
import { observeSubgraph } from '../observability/metrics.js';
import { SubgraphResilience } from './resilience.js';
import { clientErrorOf, createSubgraphFetcher, SubgraphDataSource, subgraphHeaders, type SubgraphFetcher } from './subgraphDataSource.js';

/** Where one subgraph listens. */
export interface SubgraphEndpoint {
  name: string;
  url: string;
}

export type SubgraphsConfig = Pick<
  Config,
  'SUBGRAPH_TIMEOUT_MS' | 'SUBGRAPH_BREAKER_FAILURES' | 'SUBGRAPH_BREAKER_RESET_MS' | 'GATEWAY_SECRET' | 'METRICS'
>;

/** A GraphQL answer as a subgraph sends it. */
export interface SubgraphAnswer<Data> {
  data?: Data | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * Every call the gateway makes to a subgraph, through one path: the subgraph's address (the endpoints
 * given at start override the URLs composed into the supergraph), its resilience (timeout, retry,
 * circuit breaker: `resilience.ts`) and its metrics and traces (`observeSubgraph`). The query plan's
 * fetches go through `clients` when Iris's engine runs the plan (`dataSource` otherwise); requests the
 * gateway makes on its own (the API-key exchange with identity) through `request`, so a slow or failing
 * identity is cut off and counted the same way.
 */
export class Subgraphs {
  readonly #urls: Map<string, string>;
  readonly #resilience: Map<string, SubgraphResilience>;
  readonly #fetchers = new Map<string, SubgraphFetcher>();
  readonly #observers = new Map<string, ReturnType<typeof subgraphFetchObserver>>();
  readonly #clients = new Map<string, SubgraphClient | undefined>();

  constructor(
    readonly endpoints: SubgraphEndpoint[],
    private readonly config: SubgraphsConfig,
  ) {
    this.#urls = new Map(endpoints.map((s) => [s.name, s.url]));
    this.#resilience = new Map(
      endpoints.map(({ name }) => [
        name,
        new SubgraphResilience(name, {
          timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
          breakerFailures: config.SUBGRAPH_BREAKER_FAILURES,
          breakerResetMs: config.SUBGRAPH_BREAKER_RESET_MS,
        }),
      ]),
    );
  }

  /** The subgraph's URL as given at start, or undefined when it was not given. */
  url(name: string): string | undefined {
    return this.#urls.get(name);
  }

  /** The origin of a subgraph's URL (plain HTTP routes forwarded to it). */
  origin(name: string): string {
    return new URL(this.#urls.get(name) ?? 'http://127.0.0.1').origin;
  }

  /** Its circuit breaker: `closed` (healthy), `open` (cut off), `half-open`; undefined for a subgraph not given at start. */
  circuit(name: string): 'closed' | 'open' | 'half-open' | undefined {
    return this.#resilience.get(name)?.state;
  }

  /** The data source `@apollo/gateway` fetches a query plan's parts with (its `buildService`). */
  dataSource(name: string, composedUrl: string | undefined): GraphQLDataSource {
    const resilience = this.#resilience.get(name);
    const source = new SubgraphDataSource({
      url: this.#urls.get(name) ?? composedUrl,
      gatewaySecret: this.config.GATEWAY_SECRET,
      ...(resilience ? { fetcher: resilience.wrap(this.#plainFetcher()) } : {}),
    });
    return observeSubgraph(name, source, { metrics: this.config.METRICS });
  }

  /**
   * The engine's direct client of each subgraph (its URL as given at start, else as composed): the
   * same headers, answers, resilience, metrics and traces as `dataSource`, with less work per fetch
   * (`createHttpSubgraphClient`).
   */
  readonly clients: SubgraphClients = (name, composedUrl) => {
    const url = this.#urls.get(name) ?? composedUrl;
    const key = `${name}\u0000${url}`;
    if (this.#clients.has(key)) return this.#clients.get(key);
    let client: SubgraphClient | undefined;
    if (url) {
      const gatewaySecret = this.config.GATEWAY_SECRET;
      const observe = this.#observerOf(name);
      client = createHttpSubgraphClient({
        url,
        fetcher: this.#fetcherOf(name),
        headers: (context) => subgraphHeaders(gatewaySecret, context as GatewayContext | undefined),
        errorFromResponse: (answer, body) => clientErrorOf(answer.status, body),
        ...(observe
          ? { observe: (context, operationName, call) => observe(context as GatewayContext | undefined, operationName, call) }
          : {}),
      });
    }
    this.#clients.set(key, client);
    return client;
  };

  /**
   * One operation the gateway sends a subgraph on its own behalf (no caller's credentials), through the
   * subgraph's resilience and observed as its fetches are. A subgraph that cannot be reached (or is cut
   * off) throws SERVICE_UNAVAILABLE naming it.
   */
  async request<Data>(
    name: string,
    operation: { query: string; operationName: string; variables: Record<string, unknown> },
    requestId: string,
  ): Promise<SubgraphAnswer<Data>> {
    const url = this.#urls.get(name);
    if (!url) throw new Error(`No URL for the ${name} subgraph: it was not given at start`);
    const fetcher = this.#fetcherOf(name);
    const call = async (): Promise<SubgraphAnswer<Data>> => {
      const response = await fetcher(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId },
        body: JSON.stringify(operation),
      });
      return (await response.json()) as SubgraphAnswer<Data>;
    };
    const observe = this.#observerOf(name);
    return observe ? observe(undefined, operation.operationName, call) : call();
  }

  #observerOf(name: string) {
    if (!this.#observers.has(name)) this.#observers.set(name, subgraphFetchObserver(name, { metrics: this.config.METRICS }));
    return this.#observers.get(name);
  }

  /** Pooled keep-alive HTTP with the subgraph deadline (`SUBGRAPH_TIMEOUT_MS`), before resilience. */
  #plainFetcher(): SubgraphFetcher {
    return createSubgraphFetcher({ timeoutMs: this.config.SUBGRAPH_TIMEOUT_MS });
  }

  #fetcherOf(name: string): SubgraphFetcher {
    let fetcher = this.#fetchers.get(name);
    if (!fetcher) {
      const plain = this.#plainFetcher();
      const resilience = this.#resilience.get(name);
      this.#fetchers.set(name, (fetcher = resilience ? resilience.wrap(plain) : plain));
    }
    return fetcher;
  }
}
