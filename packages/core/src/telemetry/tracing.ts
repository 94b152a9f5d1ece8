import { createRequire } from 'node:module';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { context, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry tracing, off unless the standard `OTEL_*` variables ask for it. Without them nothing
 * below loads the SDK or creates a span: only `@opentelemetry/api` (a few kB of no-op objects) is imported.
 *
 * One SDK per process: under `pnpm start` the gateway and the four subgraphs share it. W3C trace context
 * (`traceparent`) is propagated on the gateway's calls to subgraphs, so a request is one trace: the
 * gateway's HTTP span and operation span, a span per subgraph fetch, the HTTP call, and the subgraph's
 * own HTTP and operation spans under it.
 */

const STATE = Symbol.for('iris.tracing');
interface TracingState {
  serviceName: string;
  shutdown: () => Promise<void>;
}
const globalState = globalThis as { [STATE]?: TracingState };

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/**
 * Whether the environment asks for traces: `OTEL_TRACES_EXPORTER` naming an exporter (`otlp`,
 * `console`, `zipkin`, `jaeger`), or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); never with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
 */
export function tracingRequested(env: Record<string, string | undefined> = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = list(env.OTEL_TRACES_EXPORTER).filter((name) => name !== 'null');
  if (exporters[0] === 'none') return false;
  return exporters.length > 0 || Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Whether {@link startTracing} started the SDK in this process. */
export function tracingEnabled(): boolean {
  return globalState[STATE] !== undefined;
}

/** Paths not worth a trace: probes and scrapes. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/favicon.ico']);

/**
 * Starts the OpenTelemetry Node SDK when {@link tracingRequested}; returns whether it runs. Synchronous,
 * so it can run before the rest of the program is imported: `server/src/instrument.ts`, the first
 * import of `main.ts`, calls it, and `http` is patched before Fastify or the gateway's HTTP client load.
 *
 * The exporter, sampler, propagators and resource come from the standard variables (`OTEL_TRACES_EXPORTER`,
 * `OTEL_EXPORTER_OTLP_*`, `OTEL_TRACES_SAMPLER`, `OTEL_PROPAGATORS` — W3C `tracecontext,baggage` by default —,
 * `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_*`). Only traces are exported: metrics are
 * Prometheus' (`/metrics`), unless `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` are set explicitly.
 */
export function startTracing(serviceName: string, env: Record<string, string | undefined> = process.env): boolean {
  if (globalState[STATE]) return true;
  if (!tracingRequested(env)) return false;
  // Loaded only here, synchronously (their CommonJS builds), so an untraced process never loads them.
  const require = createRequire(import.meta.url);
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
      }),
      new UndiciInstrumentation(),
    ],
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  globalState[STATE] = { serviceName, shutdown: () => sdk.shutdown() };
  return true;
}

/** Flushes and stops the SDK (spans still batched are exported); nothing when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  const state = globalState[STATE];
  if (!state) return;
  delete globalState[STATE];
  await state.shutdown();
}

const tracer = () => trace.getTracer('iris');

/** The operation span of a request, by its context value: the gateway's subgraph fetches nest under it. */
const operationSpans = new WeakMap<object, Span>();

/** The context a subgraph fetch of the operation with this context value starts its span in. */
export function operationContext(contextValue: object | undefined): Context {
  const span = contextValue ? operationSpans.get(contextValue) : undefined;
  return span ? trace.setSpan(context.active(), span) : context.active();
}

/**
 * A span per GraphQL operation, named `<type> <name>` (`query GetMe`), with the `graphql.operation.name`
 * and `graphql.operation.type` attributes, `iris.service` (gateway or subgraph name), and an error
 * status with the error codes when the response carries errors. Its parent is the HTTP server span
 * of the request (in a subgraph: the one continuing the gateway's `traceparent`).
 */
export function tracingPlugin<Context extends BaseContext>(service: string): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue, request }) {
      const span = tracer().startSpan(`graphql ${request.operationName ?? 'operation'}`, { attributes: { 'iris.service': service } });
      operationSpans.set(contextValue, span);
      return {
        async didResolveOperation({ operationName, operation }) {
          const type = operation?.operation ?? 'operation';
          span.updateName(`${type} ${operationName ?? 'anonymous'}`);
          span.setAttributes({ 'graphql.operation.type': type, ...(operationName ? { 'graphql.operation.name': operationName } : {}) });
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          if (errors?.length) {
            const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'error')))];
            span.setAttribute('graphql.error.codes', codes);
            span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]!.message });
          }
          span.end();
          if (operationSpans.get(contextValue) === span) operationSpans.delete(contextValue);
        },
      };
    },
  };
}

/** pino `mixin`: the active span's `traceId` and `spanId` on each log line written inside one. */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpan(context.active());
  // A new object each time: pino merges the line's own fields into it.
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
