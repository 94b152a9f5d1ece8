import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphFetcher } from './subgraphDataSource.js';

/** A subgraph stand-in: answers after `delay` ms with what it was sent, and counts the calls. */
let server: Server;
let url: string;
let calls = 0;
const delay = 30;

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    calls++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    await new Promise((resolve) => setTimeout(resolve, delay));
    const status = req.headers['x-status'] ? Number(req.headers['x-status']) : 200;
    res.writeHead(status, { 'content-type': 'application/json', 'x-calls': String(calls) });
    res.end(
      JSON.stringify({
        data: { echo: body, authorization: req.headers.authorization ?? null, requestId: req.headers['x-request-id'] ?? null },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const query = JSON.stringify({ query: 'query { me { id } }', variables: {} });
const mutation = JSON.stringify({ query: 'mutation { signOut }', variables: {} });
const headers = (authorization: string, requestId: string) => ({
  'content-type': 'application/json',
  authorization,
  'x-request-id': requestId,
});

describe('createSubgraphFetcher', () => {
  it('answers like fetch: status, headers and a body read as JSON or text', async () => {
    const fetcher = createSubgraphFetcher();
    const response = await fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r1'), body: query });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect((await response.json()).data).toEqual({ echo: query, authorization: 'Bearer a', requestId: 'r1' });
    expect(JSON.parse(await response.clone().text()).data.echo).toBe(query);

    const failed = await fetcher(url, { method: 'POST', headers: { ...headers('Bearer a', 'r2'), 'x-status': '400' }, body: query });
    expect(failed.ok).toBe(false);
    expect([failed.status, failed.statusText]).toEqual([400, 'Bad Request']);
  });

  it('shares one call among identical queries in flight with the same credentials, each with its own copy', async () => {
    const fetcher = createSubgraphFetcher();
    const before = calls;
    const same = await Promise.all(
      ['r1', 'r2', 'r3'].map((id) => fetcher(url, { method: 'POST', headers: headers('Bearer a', id), body: query }).then((r) => r.json())),
    );
    expect(calls - before).toBe(1);
    expect(same[0]).toEqual(same[2]);
    expect(same[0]).not.toBe(same[1]);

    // Other credentials, or a call after the first one ended, go to the subgraph again.
    const again = calls;
    await Promise.all([
      fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r4'), body: query }),
      fetcher(url, { method: 'POST', headers: headers('Bearer b', 'r5'), body: query }),
    ]);
    await fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r6'), body: query });
    expect(calls - again).toBe(3);
  });

  it('never shares mutations, nor anything when dedupe is off', async () => {
    const before = calls;
    const fetcher = createSubgraphFetcher();
    await Promise.all([1, 2].map(() => fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r'), body: mutation })));
    const plain = createSubgraphFetcher({ dedupe: false });
    await Promise.all([1, 2].map(() => plain(url, { method: 'POST', headers: headers('Bearer a', 'r'), body: query })));
    expect(calls - before).toBe(4);
  });

  it('has read the whole answer when it returns, so aborting the signal afterwards changes nothing', async () => {
    const fetcher = createSubgraphFetcher();
    const controller = new AbortController();
    const response = await fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r'), body: query, signal: controller.signal });
    controller.abort();
    expect((await response.json()).data.echo).toBe(query);
  });

  it("aborts a call whose signal fires before the answer, with the signal's reason", async () => {
    const fetcher = createSubgraphFetcher({ dedupe: false });
    await expect(
      fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r'), body: query, signal: AbortSignal.timeout(5) }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    const aborted = new AbortController();
    aborted.abort(new Error('the caller went away'));
    await expect(fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r'), body: query, signal: aborted.signal })).rejects.toThrow(
      'the caller went away',
    );
  });

  it('reads an answer that arrives in many chunks whole, multi-byte characters across their edges intact', async () => {
    const fetcher = createSubgraphFetcher();
    const body = JSON.stringify({ query: 'query { me { id } }', variables: { text: 'ü€𝄞'.repeat(50_000) } });
    const response = await fetcher(url, { method: 'POST', headers: headers('Bearer a', 'r'), body });
    expect((await response.json()).data.echo).toBe(body);
  });
});
