import { ApolloServer } from '@apollo/server';
import { AccessTokenVerifier, createLogger, DEMO, signAccessToken } from '@iris/core';
import { startGateway } from '@iris/gateway';
import type { RunningServer } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * `POST /graphql` answered by Iris's handler (`gateway/src/engine/http.ts`, the default) against the same
 * request answered by Apollo Server (`GATEWAY_HTTP_HANDLER=apollo`): two gateways over the same
 * subgraphs, each request sent to both, status, headers and body compared byte for byte. Each case also
 * says which path it must take on the default gateway (the gateway's Apollo Server's
 * `executeHTTPGraphQLRequest` called or not), so a handler that declined everything would fail.
 */
let graph: TestGraph;
let viaApollo: RunningServer;
let token: string;
let keyWithProfilesOnly: string;
let expired: string;
const executeHTTP = vi.spyOn(ApolloServer.prototype, 'executeHTTPGraphQLRequest');

beforeAll(async () => {
  graph = await startTestGraph({ MAX_QUERY_COST: '150', MAX_BATCH_SIZE: '3' });
  viaApollo = await startGateway(
    {
      config: { ...graph.config, GATEWAY_HTTP_HANDLER: 'apollo' },
      logger: createLogger({ level: 'silent', name: 'apollo-handler' }),
      verifier: new AccessTokenVerifier({ keys: graph.keys }, graph.config, graph.clock.now),
      subgraphs: Object.entries(graph.subgraphs).map(([name, server]) => ({ name, url: server.url })),
    },
    { host: '127.0.0.1', port: 0 },
  );
  token = await graph.login();
  keyWithProfilesOnly = await createApiKey(graph, token, DEMO.app.id, ['PROFILES_READ']);
  const issued = new Date(graph.clock.now().getTime() - 2 * graph.config.ACCESS_TOKEN_TTL_SECONDS * 1000);
  const principal = { kind: 'user', userId: DEMO.mainUser.id, accountId: DEMO.account.id, role: 'MAIN' } as const;
  expired = (await signAccessToken(graph.keys, graph.config, principal, issued)).token;
});
afterAll(async () => {
  await viaApollo?.close();
  await graph?.stop();
});

/** The one member of Apollo Server's state that tells the gateway's server from a subgraph's. */
type ApolloInternals = { internals: { gatewayExecutor: unknown } };

interface Case {
  name: string;
  /** The JSON body (an object, or text sent as it is). */
  body: unknown;
  headers?: () => Record<string, string>;
  method?: 'GET' | 'POST';
  /** Who answers it on the default gateway: Iris's handler, Apollo Server, or the subscription transports before either. */
  by: 'iris' | 'apollo' | 'subscriptions';
}

const bearer = () => ({ authorization: `Bearer ${token}` });
const profilesPage = 'query($a: ID!, $n: Int) { profiles(appId: $a, first: $n) { nodes { deviceId age country { code name } } } }';

const cases: Case[] = [
  { name: 'a query with a token', body: { query: '{ me { email account { name } } }' }, headers: bearer, by: 'iris' },
  { name: 'a query without credentials', body: { query: '{ me { email } }' }, by: 'iris' },
  {
    name: 'a query with a token that does not verify',
    body: { query: '{ me { email } }' },
    headers: () => ({ authorization: 'Bearer nope' }),
    by: 'iris',
  },
  {
    name: 'an expired token',
    body: { query: '{ me { email } }' },
    headers: () => ({ authorization: `Bearer ${expired}` }),
    by: 'iris',
  },
  {
    name: 'variables and one of two operations by name',
    body: {
      query: `query Me { me { email } } query Page${profilesPage.slice(5)}`,
      operationName: 'Page',
      variables: { a: DEMO.app.id, n: 3 },
    },
    headers: bearer,
    by: 'iris',
  },
  {
    name: 'an API key within its scope',
    body: { query: profilesPage, variables: { a: DEMO.app.id, n: 2 } },
    headers: () => ({ api_key: keyWithProfilesOnly }),
    by: 'iris',
  },
  {
    name: 'an API key beyond its scope',
    body: { query: '{ me { email } deviceMarks(first: 1) { totalCount } }' },
    headers: () => ({ api_key: keyWithProfilesOnly }),
    by: 'iris',
  },
  {
    name: 'a variable of the wrong type',
    body: { query: profilesPage, variables: { a: DEMO.app.id, n: 'ten' } },
    headers: bearer,
    by: 'iris',
  },
  { name: 'a required variable missing', body: { query: profilesPage, variables: { n: 1 } }, headers: bearer, by: 'iris' },
  {
    name: 'over the cost limit (refused in didResolveOperation)',
    body: { query: profilesPage, variables: { a: DEMO.app.id, n: 100 } },
    headers: bearer,
    by: 'iris',
  },
  {
    name: 'a mutation refused on its input',
    body: {
      query: 'mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { name } }',
      variables: { i: { accountId: DEMO.account.id, name: '' } },
    },
    headers: bearer,
    by: 'iris',
  },
  {
    name: 'a forged cursor',
    body: { query: 'query($c: String) { deviceMarks(first: 2, after: $c) { totalCount } }', variables: { c: 'not-a-cursor' } },
    headers: bearer,
    by: 'iris',
  },
  { name: 'only __typename', body: { query: '{ __typename }' }, by: 'iris' },
  { name: 'introspection', body: { query: '{ __schema { queryType { name } } }' }, by: 'iris' },
  { name: 'empty extensions', body: { query: '{ __typename }', extensions: {} }, by: 'iris' },
  {
    name: 'accept: application/graphql-response+json',
    body: { query: '{ me { email } }' },
    headers: () => ({ ...bearer(), accept: 'application/graphql-response+json' }),
    by: 'iris',
  },
  { name: 'accept: */*', body: { query: '{ me { email } }' }, headers: () => ({ ...bearer(), accept: '*/*' }), by: 'iris' },
  {
    name: 'accept: text/html only',
    body: { query: '{ me { email } }' },
    headers: () => ({ ...bearer(), accept: 'text/html' }),
    by: 'apollo',
  },
  { name: 'a syntax error', body: { query: '{ me { email ' }, headers: bearer, by: 'apollo' },
  { name: 'an unknown field', body: { query: '{ me { emial } }' }, headers: bearer, by: 'apollo' },
  { name: 'an operation name the document lacks', body: { query: 'query A { __typename }', operationName: 'B' }, by: 'apollo' },
  { name: 'two operations and no name', body: { query: 'query A { __typename } query B { __typename }' }, by: 'apollo' },
  { name: 'no query', body: { variables: {} }, by: 'apollo' },
  { name: 'variables as a string', body: { query: '{ __typename }', variables: '{}' }, by: 'apollo' },
  {
    name: 'an automatic persisted query',
    body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } },
    by: 'apollo',
  },
  { name: 'a batch', body: [{ query: '{ __typename }' }, { query: '{ me { email } }' }], headers: bearer, by: 'apollo' },
  { name: 'a subscription', body: { query: 'subscription { deviceMarkCreated { id } }' }, headers: bearer, by: 'subscriptions' },
  { name: '@defer without multipart', body: { query: '{ me { email ... @defer { account { name } } } }' }, headers: bearer, by: 'apollo' },
  { name: 'a GET query', body: { query: '{ __typename }' }, method: 'GET', by: 'apollo' },
];

async function send(url: string, test: Case): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const headers = { 'content-type': 'application/json', ...test.headers?.() };
  const response =
    test.method === 'GET'
      ? await fetch(`${url}?${new URLSearchParams({ query: (test.body as { query: string }).query })}`, {
          headers: { ...headers, 'apollo-require-preflight': 'true' },
        })
      : await fetch(url, { method: 'POST', headers, body: typeof test.body === 'string' ? test.body : JSON.stringify(test.body) });
  const kept: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    // What differs between any two responses of one server: the clock, the request, the connection.
    if (['date', 'x-request-id', 'traceparent', 'connection', 'keep-alive'].includes(name)) continue;
    kept[name] = value;
  }
  return { status: response.status, headers: kept, body: await response.text() };
}

describe('Iris’s handler of POST /graphql', () => {
  it.each(cases)('answers $name as Apollo Server does', async (test) => {
    const before = executeHTTP.mock.contexts.length;
    const direct = await send(graph.url, test);
    // The subgraphs are Apollo Servers in this process too: only the gateway's (it has an executor) counts.
    const gatewayCalls = executeHTTP.mock.contexts
      .slice(before)
      .filter((server) => (server as ApolloInternals).internals.gatewayExecutor).length;
    expect(gatewayCalls, 'requests Apollo Server answered on the default gateway').toBe(test.by === 'apollo' ? 1 : 0);
    const apollo = await send(viaApollo.url, test);
    expect(direct).toEqual(apollo);
  });
});
