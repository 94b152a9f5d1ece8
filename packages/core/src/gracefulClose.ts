import type { FastifyInstance } from 'fastify';

/**
 * Registers what a graceful stop of a Fastify server needs and returns the function that does it.
 *
 * `app.close()` stops accepting connections and waits for the requests in flight, but Node closes
 * only the keep-alive connections idle at that moment: one that finishes its request afterwards stays
 * open until its keep-alive timeout (72 s by default), and the close waits for it. So, while closing,
 * every response asks its client to close the connection, and connections that go idle are closed.
 */
export function gracefulClose(app: FastifyInstance): () => Promise<void> {
  let closing = false;
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  return async () => {
    closing = true;
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    try {
      await app.close();
    } finally {
      clearInterval(sweep);
    }
  };
}
