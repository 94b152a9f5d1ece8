import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerForwardedRoutes } from './forwarding.js';
import { registerRequestIdHeader } from '../observability/requestId.js';

describe('forwarded routes', () => {
  it('answer a subgraph that does not answer with 502, a GraphQL error body and the request id to quote', async () => {
    const app = Fastify();
    registerRequestIdHeader(app);
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    registerForwardedRoutes(app, [{ method: 'GET', url: '/media/captures/:id', target: 'http://127.0.0.1:9' }]);
    const response = await app.inject({ method: 'GET', url: '/media/captures/abc', headers: { 'x-request-id': 'quote-me-1' } });
    expect(response.statusCode).toBe(502);
    expect(response.headers['x-request-id']).toBe('quote-me-1');
    expect(response.json()).toEqual({
      errors: [{ message: expect.stringMatching(/did not answer/), extensions: { code: 'SERVICE_UNAVAILABLE', requestId: 'quote-me-1' } }],
    });
  });
});
