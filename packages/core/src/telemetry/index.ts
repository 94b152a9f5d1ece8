import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { metricsPlugin, subgraphRecorder, type SubgraphOutcome } from './metrics.js';
import { operationLogPlugin, type OperationLogLevel } from './operationLog.js';
import { operationContext, tracingEnabled, tracingPlugin } from './tracing.js';

export * from './metrics.js';
export * from './operationLog.js';
export * from './tracing.js';

/**
 * The Apollo Server plugins that observe a server's operations: a log line per operation (at
 * `operationLog.level`, debug by default: the gateway's are the ones read at info), metrics unless
 * turned off (`METRICS`), a span per operation only when tracing runs.
 */
export function observabilityPlugins<Context extends BaseContext>(
  service: string,
  options: { metrics?: boolean; operationLog?: { level?: OperationLogLevel; markResponses?: boolean } } = {},
): ApolloServerPlugin<Context>[] {
  const plugins: ApolloServerPlugin<Context>[] = [operationLogPlugin<Context>(options.operationLog)];
  if (options.metrics ?? true) plugins.push(metricsPlugin<Context>(service));
  if (tracingEnabled()) plugins.push(tracingPlugin<Context>(service));
  return plugins;
}

/** Runs one fetch to a subgraph, observed. `contextValue` is the operation's, `operationName` the fetch's. */
export type SubgraphFetchObserver = <Response extends { errors?: readonly { message: string }[] }>(
  contextValue: object | undefined,
  operationName: string | undefined,
  fetch: () => Promise<Response>,
) => Promise<Response>;

/**
 * How the gateway observes its fetches to one subgraph: timed and counted on
 * `iris_subgraph_request_duration_seconds` / `iris_subgraph_requests_total` (with `metrics`), and, when
 * tracing runs, a `subgraph <name>` client span under the operation's span, inside which the HTTP call
 * (carrying `traceparent`) is made. Undefined when there is nothing to observe.
 */
export function subgraphFetchObserver(subgraph: string, options: { metrics?: boolean } = {}): SubgraphFetchObserver | undefined {
  const tracing = tracingEnabled();
  const record = (options.metrics ?? true) ? subgraphRecorder(subgraph) : undefined;
  if (!record && !tracing) return undefined;
  const tracer = trace.getTracer('iris');
  return async (contextValue, operationName, fetch) => {
    const startedAt = performance.now();
    let outcome: SubgraphOutcome = 'request_failed';
    let span: Span | undefined;
    try {
      // biome-ignore lint/suspicious/noImplicitAnyLet: the caller's generic Response, inferred from `fetch`
      let response;
      if (tracing) {
        const parent = operationContext(contextValue);
        span = tracer.startSpan(
          `subgraph ${subgraph}`,
          {
            kind: SpanKind.CLIENT,
            attributes: { 'iris.subgraph': subgraph, ...(operationName ? { 'graphql.operation.name': operationName } : {}) },
          },
          parent,
        );
        response = await context.with(trace.setSpan(parent, span), fetch);
      } else {
        response = await fetch();
      }
      outcome = response.errors?.length ? 'graphql_error' : 'success';
      if (span && response.errors?.length) span.setStatus({ code: SpanStatusCode.ERROR, message: response.errors[0]!.message });
      return response;
    } catch (err) {
      span?.recordException(err as Error);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      record?.(outcome, (performance.now() - startedAt) / 1000);
      span?.end();
    }
  };
}
