import type { FastifyInstance } from 'fastify';
import type { GatewayPlugin } from '../plugin.js';
import type { SubgraphEndpoint } from '../upstream/subgraphs.js';

/**
 * `/healthz`: the process is up. `/readyz`: every subgraph answers its own `/readyz`, which checks
 * its database, and none is cut off by the gateway's circuit breaker, so a load balancer only sends
 * traffic to a gateway that can serve it. The body names each subgraph's state.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  subgraphs: SubgraphEndpoint[],
  circuitOf: (name: string) => 'closed' | 'open' | 'half-open' | undefined = () => undefined,
  timeoutMs = 2_000,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = await Promise.all(
      subgraphs.map(async ({ name, url }) => {
        const circuit = circuitOf(name);
        if (circuit === 'open') return [name, 'circuit-open'] as const;
        try {
          const response = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(timeoutMs) });
          return [name, response.ok ? 'ready' : 'unavailable'] as const;
        } catch {
          return [name, 'unreachable'] as const;
        }
      }),
    );
    const ready = checks.every(([, status]) => status === 'ready');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', subgraphs: Object.fromEntries(checks) });
  });
}

/** `/healthz` and `/readyz` over every subgraph given at start, and their circuit breakers. */
export function useHealthRoutes(): GatewayPlugin {
  return {
    name: 'health',
    register: (app, { subgraphs }) => registerHealthRoutes(app, subgraphs.endpoints, (name) => subgraphs.circuit(name)),
  };
}
