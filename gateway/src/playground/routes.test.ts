import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerPlayground } from './routes.js';

describe('the playground routes', () => {
  const app = Fastify();
  registerPlayground(app);

  it('serves a page with no placeholder token, which loads its modules from the gateway', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).not.toMatch(/paste accessToken/i);
    expect(page.body).toContain('<script type="module" src="/playground/assets/main.js"></script>');
    expect(
      // Everything comes from the gateway; a `data:` URL (the empty icon) fetches nothing.
      [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)]
        .map((m) => m[1]!)
        .filter((url) => !url.startsWith('/playground/assets/') && !url.startsWith('data:')),
    ).toEqual([]);
  });

  it("serves the playground's own modules revalidated on every load, and the packages' files cached", async () => {
    for (const name of ['main.js', 'session.js', 'transport.js']) {
      const module = await app.inject({ method: 'GET', url: `/playground/assets/${name}` });
      expect(module.statusCode).toBe(200);
      expect(module.headers['content-type']).toBe('text/javascript');
      expect(module.headers['cache-control']).toBe('no-cache');
    }
    const graphiql = await app.inject({ method: 'GET', url: '/playground/assets/graphiql.min.js' });
    expect(graphiql.headers['cache-control']).toBe('public, max-age=86400');
    expect((await app.inject({ method: 'GET', url: '/playground/assets/page.ts' })).statusCode).toBe(404);
  });

  it('answers a browser opening /graphql with the page, and leaves GraphQL requests alone', async () => {
    const browser = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(browser.body).toContain('<title>Iris playground</title>');
    const client = await app.inject({ method: 'GET', url: '/graphql?query={__typename}', headers: { accept: 'text/html' } });
    expect(client.statusCode).toBe(404);
  });
});
