/**
 * The first import of `main.ts`: starts OpenTelemetry tracing, when the `OTEL_*` variables ask for it,
 * before anything else is loaded, so `http` is instrumented before Fastify and the gateway's HTTP client
 * use it. Imports nothing but `@opentelemetry/api` when tracing is off.
 */
import { startTracing } from '@iris/core/tracing';

startTracing('iris');
