import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from '@apollo/server';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * Prometheus metrics of the whole process. The gateway and the subgraphs run in one process under
 * `pnpm start`, so they share this registry and one `GET /metrics` (on the gateway) shows them all,
 * told apart by their `service` label.
 *
 * Recording is cheap on purpose: label values are bounded (see {@link operationLabel}) and a request's
 * series are found with one map lookup each and bumped in place (see {@link CheapCounter}).
 */
export const metricsRegistry = new Registry();

type Labels = Record<string, string>;

/**
 * A counter whose series are plain objects: the hot path is `series.value += 1`. prom-client's own
 * `counter.labels(...).inc()` validates and hashes the labels on every call (about a microsecond and
 * a half here, ten times a map lookup); this one does that work once per series, and formats at scrape
 * time, through prom-client's registry, exactly as a prom-client counter would.
 */
class CheapCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  #series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    metricsRegistry.registerMetric(this as never);
  }
  /** The series of these labels (created at 0 on first use); keep it and add to `value`. */
  series(key: string, labels: Labels): { value: number } {
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, value: 0 };
      this.#series.set(key, series);
    }
    return series;
  }
  async get() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...this.#series.values()].map(({ labels, value }) => ({ labels, value })),
    };
  }
  reset() {
    for (const series of this.#series.values()) series.value = 0;
  }
}

interface HistogramSeries {
  labels: Labels;
  /** Per bucket (not cumulative); the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

/** A histogram with the same cheap series as {@link CheapCounter}; exposed like prom-client's. */
class CheapHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  #series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    metricsRegistry.registerMetric(this as never);
  }
  series(key: string, labels: Labels): HistogramSeries {
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    return series;
  }
  observe(series: HistogramSeries, value: number): void {
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
  }
  async get() {
    const values: { labels: Labels; sharedLabels: Labels; value: number; metricName: string }[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: String(bound) }, sharedLabels: series.labels, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
  reset() {
    for (const series of this.#series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

const operations = new CheapCounter(
  'iris_graphql_operations_total',
  'GraphQL operations served, by service (gateway or subgraph), operation name, operation type and outcome (success or the first error code).',
);

const operationDuration = new CheapHistogram(
  'iris_graphql_operation_duration_seconds',
  'Time from receiving a GraphQL operation to sending its response, by service, operation name and type.',
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);

const subgraphRequests = new CheapCounter(
  'iris_subgraph_requests_total',
  'Requests the gateway sent to a subgraph, by outcome: success, graphql_error (the subgraph answered with errors) or request_failed (no usable answer: network error, HTTP error status).',
);

const subgraphDuration = new CheapHistogram(
  'iris_subgraph_request_duration_seconds',
  'Time the gateway waited for a subgraph to answer one fetch of a query plan.',
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
);

const subscriptionsOpen = new Gauge({
  name: 'iris_subscriptions_open',
  help: 'Live GraphQL subscriptions on the gateway, by transport (websocket, sse).',
  labelNames: ['transport'] as const,
  registers: [metricsRegistry],
});
// Both series exist from the start, at 0, so a dashboard does not show "no data".
subscriptionsOpen.labels('websocket').set(0);
subscriptionsOpen.labels('sse').set(0);

const queueDepthSources = new Set<() => number | Promise<number>>();
new Gauge({
  name: 'iris_analysis_queue_depth',
  help: 'Capture analysis jobs waiting to run (queued, or waiting to be retried); running jobs are not counted.',
  registers: [metricsRegistry],
  async collect() {
    let depth = 0;
    for (const source of queueDepthSources) depth += await Promise.resolve(source()).catch(() => 0);
    this.set(depth);
  },
});

let defaultMetricsStarted = false;
/** prom-client's process metrics (CPU, memory, event loop lag, GC, handles), into the registry once. */
export function startDefaultMetrics(): void {
  if (defaultMetricsStarted) return;
  defaultMetricsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** The registry in Prometheus' text exposition format, and its content type. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}

/** Reports a queue's depth on `iris_analysis_queue_depth` (read on each scrape); returns the undo. */
export function reportQueueDepth(source: () => number | Promise<number>): () => void {
  queueDepthSources.add(source);
  return () => void queueDepthSources.delete(source);
}

export type SubscriptionTransport = 'websocket' | 'sse' | 'multipart';

/**
 * Counts a subscription on `iris_subscriptions_open` from now until it ends: its events run out,
 * it fails, or the client stops it (`return`, counted at once, without waiting for the source).
 */
export function trackSubscription<T>(transport: SubscriptionTransport, source: AsyncIterator<T>): AsyncIterableIterator<T> {
  const gauge = subscriptionsOpen.labels(transport);
  gauge.inc();
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    gauge.dec();
  };
  return {
    next: (...args: [] | [unknown]) =>
      source.next(...args).then(
        (result) => {
          if (result.done) close();
          return result;
        },
        (err: unknown) => {
          close();
          throw err;
        },
      ),
    return: (value?: unknown) => {
      close();
      return source.return ? source.return(value) : Promise.resolve({ done: true, value: value as T });
    },
    throw: (err?: unknown) => {
      close();
      return source.throw ? source.throw(err) : Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Distinct operation names kept as labels; later new names are counted as `other`. */
export const MAX_OPERATION_NAMES = 200;
const knownOperations = new Set<string>();
/** Distinct error codes kept as outcomes; later new codes are counted as `other_error`. */
const MAX_ERROR_CODES = 50;
const knownCodes = new Set<string>();

/**
 * The `operation` label of an operation name: `anonymous` without one, the client's operation name for
 * the fetches the gateway's query planner names after it (`GetMe__identity__0` is `GetMe`), and `other`
 * once {@link MAX_OPERATION_NAMES} names are known, so clients cannot grow the series without bound.
 */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  const label = name.replace(/__[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*__\d+$/, '');
  if (knownOperations.has(label)) return label;
  if (knownOperations.size >= MAX_OPERATION_NAMES) return 'other';
  knownOperations.add(label);
  return label;
}

function outcomeOf(response: GraphQLResponse): string {
  const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
  if (!errors || errors.length === 0) return 'success';
  const code = errors[0]!.extensions?.code;
  if (typeof code !== 'string' || !code) return 'error';
  if (knownCodes.has(code)) return code;
  if (knownCodes.size >= MAX_ERROR_CODES) return 'other_error';
  knownCodes.add(code);
  return code;
}

/**
 * Records every operation an Apollo Server serves on `iris_graphql_operations_total` and
 * `iris_graphql_operation_duration_seconds`, labelled with `service`. Operations that never resolved
 * (unparsable or invalid documents) are `unknown`.
 */
export function metricsPlugin<Context extends BaseContext>(service: string): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      let operation = 'unknown';
      let type = 'unknown';
      return {
        async didResolveOperation(requestContext) {
          operation = operationLabel(requestContext.operationName);
          type = requestContext.operation?.operation ?? 'unknown';
        },
        async willSendResponse({ response }) {
          const seconds = (performance.now() - startedAt) / 1000;
          const outcome = outcomeOf(response);
          const key = `${service}\n${operation}\n${type}`;
          operationDuration.observe(operationDuration.series(key, { service, operation, type }), seconds);
          operations.series(`${key}\n${outcome}`, { service, operation, type, outcome }).value += 1;
        },
      };
    },
  };
}

export type SubgraphOutcome = 'success' | 'graphql_error' | 'request_failed';

/** Records one subgraph's fetches: `record(outcome, seconds)`. */
export function subgraphRecorder(subgraph: string): (outcome: SubgraphOutcome, seconds: number) => void {
  const duration = subgraphDuration.series(subgraph, { subgraph });
  const counters = {
    success: subgraphRequests.series(`${subgraph}\nsuccess`, { subgraph, outcome: 'success' }),
    graphql_error: subgraphRequests.series(`${subgraph}\ngraphql_error`, { subgraph, outcome: 'graphql_error' }),
    request_failed: subgraphRequests.series(`${subgraph}\nrequest_failed`, { subgraph, outcome: 'request_failed' }),
  };
  return (outcome, seconds) => {
    subgraphDuration.observe(duration, seconds);
    counters[outcome].value += 1;
  };
}
