import type { FastifyInstance } from 'fastify';

/**
 * Outside callers (the payment provider) reach webhooks at the gateway's address; the gateway hands
 * the raw body and headers to the subgraph that owns them, which checks the signature itself.
 */
export function registerWebhookRoutes(app: FastifyInstance, routes: { path: string; target: string }[]): void {
  void app.register(async (scope) => {
    // Signatures are over the exact bytes sent: keep the body raw, whatever its type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const route of routes) {
      scope.post(route.path, async (request, reply) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) {
          if (typeof value === 'string' && (name === 'content-type' || name.startsWith('x-'))) headers[name] = value;
        }
        try {
          const response = await fetch(route.target, { method: 'POST', headers, body: request.body as Buffer, signal: AbortSignal.timeout(10_000) });
          return reply.code(response.status).header('content-type', 'application/json').send(Buffer.from(await response.arrayBuffer()));
        } catch {
          return reply.code(502).send({ error: 'The service behind this webhook did not answer; retry later.' });
        }
      });
    }
  });
}
