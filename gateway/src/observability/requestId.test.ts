import { registerHttpErrorHandlers } from '@iris/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { requestIdOnInternalErrors, registerRequestIdHeader } from './requestId.js';

describe('request ids a client can quote', () => {
  it('answer every request with x-request-id, the same id a masked 500 names in extensions.requestId', async () => {
    const app = Fastify();
    registerHttpErrorHandlers(app);
    registerRequestIdHeader(app);
    app.get('/fails', async () => {
      throw new Error('connection refused at 10.0.0.3:5432');
    });
    app.get('/works', async (request) => ({ seen: request.headers['x-request-id'] }));

    const failed = await app.inject({ method: 'GET', url: '/fails' });
    expect(failed.statusCode).toBe(500);
    const requestId = failed.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(failed.json()).toEqual({
      errors: [{ message: expect.stringMatching(/Quote the request id/), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }],
    });
    expect(failed.body).not.toMatch(/10\.0\.0\.3/);

    const kept = await app.inject({ method: 'GET', url: '/works', headers: { 'x-request-id': 'client-chosen-1' } });
    expect(kept.headers['x-request-id']).toBe('client-chosen-1');
    expect(kept.json()).toEqual({ seen: 'client-chosen-1' });
    const replaced = await app.inject({ method: 'GET', url: '/works', headers: { 'x-request-id': 'not sane\n' } });
    expect(replaced.headers['x-request-id']).toBe(replaced.json().seen);
    expect(replaced.json().seen).not.toBe('not sane\n');
  });

  it("add the request id to a masked GraphQL error's extensions", async () => {
    const plugin = requestIdOnInternalErrors<{ requestId: string }>();
    const hooks = (await plugin.requestDidStart!({} as never)) as { willSendResponse: (context: unknown) => Promise<void> };
    const response = {
      body: {
        kind: 'single',
        singleResult: {
          errors: [
            { message: 'Something went wrong on our side.', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
            { message: 'No Device with id "x"', extensions: { code: 'NOT_FOUND' } },
          ],
        },
      },
    };
    await hooks.willSendResponse({ response, contextValue: { requestId: 'r-1' } });
    expect(response.body.singleResult.errors.map((e) => e.extensions)).toEqual([
      { code: 'INTERNAL_SERVER_ERROR', requestId: 'r-1' },
      { code: 'NOT_FOUND' },
    ]);
  });
});
