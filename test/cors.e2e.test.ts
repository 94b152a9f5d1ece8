import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/** A browser's preflight for a cross-origin request with a JSON body and a bearer token. */
const preflight = (url: string, origin: string, method = 'POST', headers = 'authorization, content-type') =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

describe('CORS: a web app on another origin calls the gateway', () => {
  let graph: TestGraph;
  let base: string;
  beforeAll(async () => {
    graph = await startTestGraph({ CORS_ORIGINS: 'https://app.example.com' });
    base = new URL(graph.url).origin;
  });
  afterAll(async () => graph?.stop());

  it('answers the preflight of /graphql for a localhost page on any port, allowing the headers clients send', async () => {
    const response = await preflight(
      graph.url,
      'http://localhost:5499',
      'POST',
      'authorization, api_key, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id',
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5499');
    const allowed = response.headers.get('access-control-allow-headers')!.split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining([
        'authorization',
        'api_key',
        'content-type',
        'apollo-require-preflight',
        'x-apollo-operation-name',
        'x-request-id',
        'accept',
      ]),
    );
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('answers a cross-origin POST with the origin allowed and the request id readable by the page', async () => {
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:3000', 'content-type': 'application/json', 'x-request-id': 'cors-check-1' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
  });

  it('allows a configured origin and gives an unknown origin no Access-Control-Allow-Origin', async () => {
    const configured = await preflight(graph.url, 'https://app.example.com');
    expect(configured.status).toBe(204);
    expect(configured.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const stranger = await preflight(graph.url, 'https://evil.example.net');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never answers OPTIONS /graphql with 400, even without the preflight headers', async () => {
    const response = await fetch(graph.url, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
  });

  it('answers preflights of the SSE stream, the signed upload URL and media URLs', async () => {
    const stream = await preflight(`${base}/graphql/stream`, 'http://localhost:5499', 'POST', 'authorization, content-type, accept');
    expect(stream.status).toBe(204);
    expect(stream.headers.get('access-control-allow-origin')).toBe('http://localhost:5499');
    const upload = await preflight(
      `${base}/uploads/captures/00000000-0000-4000-8000-000000000000?signature=x`,
      'http://localhost:5499',
      'PUT',
      'content-type',
    );
    expect(upload.status).toBe(204);
    expect(upload.headers.get('access-control-allow-origin')).toBe('http://localhost:5499');
    expect(upload.headers.get('access-control-allow-methods')).toMatch(/PUT/);
    const media = await fetch(`${base}/media/captures/00000000-0000-4000-8000-000000000000`, {
      headers: { origin: 'http://localhost:5499' },
    });
    expect(media.headers.get('access-control-allow-origin')).toBe('http://localhost:5499');
  });

  it('lets a page on another origin load the schema with the introspection query GraphiQL and GraphQL Code Generator send', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const response = await fetch(graph.url, {
      method: 'POST',
      headers: { origin: 'http://localhost:5499', 'content-type': 'application/json' },
      body: JSON.stringify({ query, operationName: 'IntrospectionQuery' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data?: { __schema: { types: { name: string; description: string | null }[] } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data!.__schema.types.find((type) => type.name === 'DeviceMark')?.description).toBeTruthy();
  });

  it('lets a page on another origin read a subscription stream: multipart on /graphql, SSE on /graphql/stream', async () => {
    const token = await graph.login();
    const subscribe = (url: string, accept: string) =>
      fetch(url, {
        method: 'POST',
        headers: { origin: 'http://localhost:5499', 'content-type': 'application/json', authorization: `Bearer ${token}`, accept },
        body: JSON.stringify({ query: 'subscription { notificationReceived { id } }' }),
      });
    for (const [url, accept] of [
      [graph.url, 'multipart/mixed;subscriptionSpec=1.0'],
      [`${base}/graphql/stream`, 'text/event-stream'],
      [graph.url, 'text/event-stream'],
    ] as const) {
      const response = await subscribe(url, accept);
      expect(response.status, `${url} ${accept}`).toBe(200);
      expect(response.headers.get('access-control-allow-origin'), `${url} ${accept}`).toBe('http://localhost:5499');
      expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
      await response.body?.cancel();
    }
  });

  it('keeps CSRF prevention: a simple cross-origin request without a preflight header is still refused', async () => {
    const form = await fetch(graph.url, {
      method: 'POST',
      headers: { origin: 'http://localhost:5499', 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(form.status).toBe(400);
    const get = await fetch(`${graph.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { origin: 'http://localhost:5499' } });
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/CSRF|preflight/i);
  });
});
