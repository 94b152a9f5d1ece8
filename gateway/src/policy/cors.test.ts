import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerCors } from './cors.js';

async function appWith(config: Parameters<typeof registerCors>[1]) {
  const app = Fastify();
  await registerCors(app, config);
  app.post('/graphql', async () => ({ data: {} }));
  return app;
}
const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/graphql',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
});

describe('CORS origins', () => {
  it('outside production allows any localhost or 127.0.0.1 port, and nothing that merely starts like one', async () => {
    const app = await appWith({ NODE_ENV: 'development', CORS_ORIGINS: [] });
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://localhost']) {
      expect((await app.inject(preflight(origin))).headers['access-control-allow-origin']).toBe(origin);
    }
    for (const origin of ['http://localhost.evil.net', 'https://example.com', 'http://127.0.0.1.nip.io:80']) {
      expect((await app.inject(preflight(origin))).headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('in production allows only CORS_ORIGINS', async () => {
    const app = await appWith({ NODE_ENV: 'production', CORS_ORIGINS: ['https://app.example.com'] });
    expect((await app.inject(preflight('https://app.example.com'))).headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect((await app.inject(preflight('http://localhost:5173'))).headers['access-control-allow-origin']).toBeUndefined();
    const answer = await app.inject({ method: 'POST', url: '/graphql', headers: { origin: 'https://app.example.com' }, payload: {} });
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
  });

  it('with `*` allows any origin, without credentials (browsers refuse the two together)', async () => {
    const app = await appWith({ NODE_ENV: 'production', CORS_ORIGINS: ['*'] });
    const answer = await app.inject(preflight('https://anywhere.example.org'));
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
