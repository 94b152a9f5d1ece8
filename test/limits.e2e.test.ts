import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO, signAccessToken } from '@iris/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A raw POST, for what `graph.request` hides: status codes, headers, batches, persisted queries. */
const post = (graph: TestGraph, body: unknown, headers: Record<string, string> = {}) =>
  fetch(graph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }) as Promise<
    Omit<Response, 'json'> & { json(): Promise<any> }
  >;

describe('operation limits', () => {
  let graph: TestGraph;
  let token: string;
  beforeAll(async () => {
    graph = await startTestGraph({
      MAX_QUERY_DEPTH: '6',
      MAX_ALIASES: '3',
      MAX_ROOT_FIELDS: '4',
      MAX_TOKENS: '300',
      MAX_DOCUMENT_BYTES: '4096',
      MAX_QUERY_COST: '150',
      MAX_BATCH_SIZE: '3',
    });
    token = await graph.login();
  });
  afterAll(async () => graph?.stop());

  it('refuses a document nested deeper than MAX_QUERY_DEPTH', async () => {
    const ok = await graph.request(`{ me { account { retentionPlan { name } } } }`, {}, { token });
    expect(ok.errors).toBeUndefined();
    const deep = await graph.request(
      `{ me { account { devices(first: 1) { edges { node { group { account { name } } } } } } } }`,
      {},
      { token },
    );
    expect(deep.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(deep.errors?.[0]?.message).toMatch(/depth limit of 6/i);
  });

  it('refuses more aliases than MAX_ALIASES before any subgraph runs the mutation', async () => {
    const before = await graph.request<{ me: { account: { id: string; name: string } } }>(`{ me { account { id name } } }`, {}, { token });
    const accountId = before.data!.me.account.id;
    const aliased = await graph.request(
      `mutation($i: UpdateAccountInput!) { a: updateAccount(input: $i) { name } b: updateAccount(input: $i) { name } c: updateAccount(input: $i) { name } d: updateAccount(input: $i) { name } }`,
      { i: { accountId, name: 'Renamed by an abusive request' } },
      { token },
    );
    expect(aliased.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(aliased.errors?.[0]?.message).toMatch(/aliases limit of 3/i);
    const after = await graph.request<{ me: { account: { name: string } } }>(`{ me { account { name } } }`, {}, { token });
    expect(after.data!.me.account.name).toBe(before.data!.me.account.name);
  });

  it('refuses more root fields than MAX_ROOT_FIELDS, counting through fragments', async () => {
    const result = await graph.request(
      `query { ...A ...B } fragment A on Query { me { id } m2: me { id } } fragment B on Query { me { email } __typename m3: me { id } m4: me { id } }`,
      {},
      { token },
    );
    expect(result.errors?.some((e) => e.extensions?.limit === 'rootFields' && e.extensions?.max === 4)).toBe(true);
  });

  it('prices connections by the page size asked for', async () => {
    const page = (first: number) =>
      graph.request(
        `query($a: ID!, $n: Int) { profiles(appId: $a, first: $n) { edges { node { deviceId gender age } } } }`,
        { a: DEMO.app.id, n: first },
        { token },
      );
    expect((await page(10)).errors).toEqual(undefined);
    const costly = await page(100);
    expect(costly.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost', max: 150 });
    expect(costly.errors?.[0]?.extensions?.found).toBe(201); // 1 + 100 edges × (the edge and its node)
    expect(costly.errors?.[0]?.message).toMatch(/smaller pages/);
  });

  it('stops parsing past MAX_TOKENS and refuses documents over MAX_DOCUMENT_BYTES', async () => {
    const many = await graph.request(`{ ${Array.from({ length: 320 }, () => '__typename').join(' ')} }`, {}, { token });
    expect(many.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(many.errors?.[0]?.message).toMatch(/300 tokens/);

    const response = await post(graph, { query: `{ me { id } } # ${'x'.repeat(5000)}` }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST', limit: 'documentBytes', max: 4096 } }] });
  });

  it('runs batches up to MAX_BATCH_SIZE operations and refuses larger ones', async () => {
    const op = { query: '{ me { email } }' };
    const ok = await post(graph, [op, op], { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([{ data: { me: { email: DEMO.mainUser.email } } }, { data: { me: { email: DEMO.mainUser.email } } }]);
    const tooMany = await post(graph, [op, op, op, op], { authorization: `Bearer ${token}` });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST', limit: 'batchSize', max: 3, found: 4 } }] });
  });

  it('applies the limits to subscriptions too', async () => {
    const client = createClient({
      url: graph.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const errors = await new Promise<unknown[]>((resolve) => {
        setTimeout(() => resolve(['no answer within 10 s']), 10_000);
        client.subscribe(
          { query: `subscription { deviceMarkCreated { device { group { account { devices(first: 1) { edges { node { id } } } } } } } }` },
          {
            next: (value) => resolve(value.errors ? [...value.errors] : []),
            error: (e) => resolve(Array.isArray(e) ? e : [e]),
            complete: () => resolve([]),
          },
        );
      });
      expect(errors[0]).toMatchObject({ message: expect.stringMatching(/depth limit of 6/i) });
    } finally {
      await client.dispose();
    }
  });

  it('serves automatic persisted queries: a hash alone after one registration', async () => {
    const query = '{ me { email } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const unknown = await (await post(graph, { extensions }, { authorization: `Bearer ${token}` })).json();
    expect(unknown.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await (await post(graph, { query, extensions }, { authorization: `Bearer ${token}` })).json();
    expect(registered.data.me.email).toBe(DEMO.mainUser.email);
    const byHash = await (await post(graph, { extensions }, { authorization: `Bearer ${token}` })).json();
    expect(byHash).toEqual({ data: { me: { email: DEMO.mainUser.email } } });
  });
});

describe('trusted documents and rate limits', () => {
  const login = 'mutation SignIn($input: LoginInput!) { login(input: $input) { accessToken } }';
  const me = 'query Me { me { email } }';
  let graph: TestGraph;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-trusted-'));
    const manifest = join(dir, 'persisted-documents.json');
    writeFileSync(manifest, JSON.stringify({ [sha256(login)]: login, [sha256(me)]: me }));
    graph = await startTestGraph({
      PERSISTED_OPERATIONS_FILE: manifest,
      PERSISTED_OPERATIONS_ONLY: 'true',
      RATE_LIMIT_POINTS: '5',
      RATE_LIMIT_SENSITIVE_POINTS: '2',
      RATE_LIMIT_SENSITIVE_WINDOW_SECONDS: '600',
    });
  });
  afterAll(async () => graph?.stop());

  it('runs listed operations by id or by text and refuses anything else', async () => {
    const signIn = await (
      await post(graph, { documentId: sha256(login), variables: { input: { email: DEMO.mainUser.email, password: DEMO.password } } })
    ).json();
    const token = signIn.data.login.accessToken as string;
    expect(token).toBeTruthy();

    const byText = await post(graph, { query: me }, { authorization: `Bearer ${token}` });
    expect(await byText.json()).toEqual({ data: { me: { email: DEMO.mainUser.email } } });

    const unlisted = await post(graph, { query: '{ me { id email } }' }, { authorization: `Bearer ${token}` });
    expect(unlisted.status).toBe(400);
    expect((await unlisted.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const unknownId = await (await post(graph, { documentId: 'f'.repeat(64) }, { authorization: `Bearer ${token}` })).json();
    expect(unknownId.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('limits sign-in attempts per client address, answering 429 with a retry hint', async () => {
    // The first test used one of the two sign-ins this window allows.
    const attempt = () =>
      post(graph, { documentId: sha256(login), variables: { input: { email: DEMO.adminUser.email, password: 'wrong password' } } });
    const second = await (await attempt()).json();
    expect(second.errors[0].extensions.code).not.toBe('RATE_LIMITED');
    const third = await attempt();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await third.json();
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(body.errors[0].message).toMatch(/Try again in \d+ s/);
  });

  it('limits operations per signed-in principal', async () => {
    // Sign-ins from this address are spent by now: a token signed with identity's key stands in for one.
    const { token: principalToken } = await signAccessToken(graph.keys, graph.config, {
      kind: 'user',
      userId: DEMO.adminUser.id,
      accountId: DEMO.adminAccount.id,
      role: 'SERVICE_ADMIN',
    });
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) {
      const body = await (await post(graph, { query: me }, { authorization: `Bearer ${principalToken}` })).json();
      codes.push(body.errors?.[0]?.extensions?.code ?? 'OK');
    }
    expect(codes).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});
