import type { GraphQLDataSource } from '@apollo/gateway';
import { renderMetrics, startDefaultMetrics, subgraphFetchObserver } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import type { GatewayPlugin } from '../plugin.js';

/** `GET /metrics`: the process' Prometheus metrics (gateway, subgraphs, queue, process) in text format. */
export function registerMetricsRoute(app: FastifyInstance): void {
  startDefaultMetrics();
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await renderMetrics();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}

/**
 * Observes a subgraph's data source (see `subgraphFetchObserver`): each fetch of a query plan timed,
 * counted and, when tracing runs, spanned. With nothing to observe the data source is returned untouched.
 */
export function observeSubgraph<Source extends GraphQLDataSource<any>>(
  name: string,
  source: Source,
  options: { metrics: boolean },
): Source {
  const observe = subgraphFetchObserver(name, options);
  if (!observe) return source;
  const process = source.process.bind(source);
  source.process = (fetch) =>
    // Only fetches of client operations (not health checks or schema loading) carry the incoming request.
    'incomingRequestContext' in fetch ? observe(fetch.context, fetch.request.operationName, () => process(fetch)) : process(fetch);
  return source;
}

/** Prometheus metrics at `/metrics` when METRICS is on (subgraph fetches are observed in `upstream/subgraphs.ts`). */
export function useMetrics(enabled: boolean): GatewayPlugin {
  return { name: 'metrics', ...(enabled && { register: (app) => registerMetricsRoute(app) }) };
}
