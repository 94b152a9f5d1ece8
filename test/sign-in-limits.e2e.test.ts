import { DEMO } from '@iris/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * The sign-in budget per client address counts what an operation would run, not how it is written:
 * fragments, named spreads, aliases and batched operations each spend it, and once it is spent no
 * spelling signs in. The refusal says how large the budget is and which setting changes it.
 */
let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph({ RATE_LIMIT_SENSITIVE_POINTS: '4', RATE_LIMIT_SENSITIVE_WINDOW_SECONDS: '600' });
});
afterAll(async () => graph?.stop());

const credentials = { input: { email: DEMO.mainUser.email, password: DEMO.password } };
const post = async (body: unknown) => {
  const response = await fetch(graph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
};

it('spends the budget on aliases and batched operations, then refuses every spelling of a sign-in', async () => {
  // Two attempts in one operation through aliases, two more in one batch: the budget of 4 is spent.
  const aliased = await post({
    query: 'mutation($input: LoginInput!) { a: login(input: $input) { accessToken } b: login(input: $input) { accessToken } }',
    variables: credentials,
  });
  expect(aliased.body.data?.a?.accessToken).toBeTruthy();
  expect(aliased.body.data?.b?.accessToken).toBeTruthy();
  const single = { query: 'mutation($input: LoginInput!) { login(input: $input) { accessToken } }', variables: credentials };
  const batch = await post([single, single]);
  expect(batch.body.map((result: any) => Boolean(result.data?.login?.accessToken))).toEqual([true, true]);

  const spellings = [
    single,
    { query: 'mutation($input: LoginInput!) { ... on Mutation { login(input: $input) { accessToken } } }', variables: credentials },
    {
      query: 'mutation($input: LoginInput!) { ...SignIn } fragment SignIn on Mutation { login(input: $input) { accessToken } }',
      variables: credentials,
    },
    { query: 'mutation($input: LoginInput!) { again: login(input: $input) { accessToken } }', variables: credentials },
  ];
  for (const spelling of spellings) {
    const refused = await post(spelling);
    expect(refused.status).toBe(429);
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
      limit: 4,
      windowSeconds: 600,
      setting: 'RATE_LIMIT_SENSITIVE_POINTS',
    });
    expect(refused.body.errors[0].message).toMatch(
      /4 sign-in, verification-code and password calls per 600 s \(set by RATE_LIMIT_SENSITIVE_POINTS/,
    );
  }

  // Operations that are not sign-ins still run from this address.
  const token = (aliased.body.data.a.accessToken as string) ?? '';
  const me = await graph.request<{ me: { email: string } }>('{ me { email } }', {}, { token });
  expect(me.data?.me.email).toBe(DEMO.mainUser.email);
});
