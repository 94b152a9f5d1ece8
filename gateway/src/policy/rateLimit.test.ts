import { Writable } from 'node:stream';
import { createLogger } from '@iris/core';
import { buildSchema, parse, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { OperationRateLimiter, resolvedRootFields } from './rateLimit.js';

const schema = buildSchema(`
  type Session { accessToken: String }
  input LoginInput { email: String! password: String! }
  type Query { me: String }
  type Mutation { login(input: LoginInput!): Session register(email: String!): Session updateAccount(name: String!): String }
`);

const config = {
  RATE_LIMIT_POINTS: 1_000,
  RATE_LIMIT_ANONYMOUS_POINTS: 1_000,
  RATE_LIMIT_WINDOW_SECONDS: 60,
  RATE_LIMIT_SENSITIVE_POINTS: 3,
  RATE_LIMIT_SENSITIVE_WINDOW_SECONDS: 600,
  REDIS_PREFIX: 'iris:',
};

/** A client address of its own for each test, and the log lines its refusals wrote. */
function caller(address: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const context = {
    requestId: `request-${address}`,
    logger: createLogger({ level: 'info', name: 'gateway' }, sink).child({ requestId: `request-${address}` }),
    auth: { principal: null, credentialError: null },
    forwardHeaders: {},
    clientAddress: address,
  } satisfies GatewayContext;
  return { context, lines };
}

const LOGIN = 'login(input: { email: "a@iris.dev", password: "guess" }) { accessToken }';

describe('resolvedRootFields', () => {
  const fields = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
    resolvedRootFields({ schema, document: parse(query), operationName: operationName ?? null, variables });

  it('sees root fields through inline fragments, named fragment spreads and nested fragments', () => {
    expect(fields(`mutation { ... on Mutation { ${LOGIN} } }`)).toEqual(['login']);
    expect(fields(`mutation { ...SignIn } fragment SignIn on Mutation { ${LOGIN} }`)).toEqual(['login']);
    expect(fields(`mutation { ...A } fragment A on Mutation { ... on Mutation { ...B } } fragment B on Mutation { ${LOGIN} }`)).toEqual([
      'login',
    ]);
  });

  it('counts each alias as one more field, and the same response key once', () => {
    expect(fields(`mutation { a: ${LOGIN} b: ${LOGIN} c: ${LOGIN} }`)).toEqual(['login', 'login', 'login']);
    expect(fields(`mutation { ${LOGIN} ... on Mutation { ${LOGIN} } }`)).toEqual(['login']);
  });

  it('honours @skip and @include, with literals and variables', () => {
    expect(fields(`mutation { a: ${LOGIN} b: login(input: { email: "b", password: "c" }) @skip(if: true) { accessToken } }`)).toEqual([
      'login',
    ]);
    expect(fields(`mutation($on: Boolean!) { ... on Mutation @include(if: $on) { ${LOGIN} } }`, { on: false })).toEqual([]);
    expect(fields(`mutation($on: Boolean!) { ... on Mutation @include(if: $on) { ${LOGIN} } }`, { on: true })).toEqual(['login']);
    expect(fields(`mutation($on: Boolean = true) { ... on Mutation @include(if: $on) { ${LOGIN} } }`)).toEqual(['login']);
  });

  it('counts every field written when the variables do not coerce', () => {
    expect(fields(`mutation($on: Boolean!) { ... on Mutation @include(if: $on) { ${LOGIN} } }`, { on: 'yes' })).toEqual(['login']);
  });

  it('takes the operation named, among several', () => {
    expect(fields(`query Me { me } mutation SignIn { ${LOGIN} }`, {}, 'Me')).toEqual(['me']);
    expect(fields(`query Me { me } mutation SignIn { ${LOGIN} }`, {}, 'SignIn')).toEqual(['login']);
  });
});

describe('OperationRateLimiter, sensitive operations', () => {
  const admit = (limiter: OperationRateLimiter, context: GatewayContext, query: string) =>
    limiter.admit(context, { schema, document: parse(query), operationName: null, variables: {} });

  it('refuses a fragment, a named spread and aliases once plain sign-ins are spent', async () => {
    const limiter = new OperationRateLimiter(config);
    const { context } = caller('10.0.0.1');
    for (let i = 0; i < 3; i++) expect(await admit(limiter, context, `mutation { ${LOGIN} }`)).toBeNull();
    expect(await admit(limiter, context, `mutation { ${LOGIN} }`)).not.toBeNull();
    expect(await admit(limiter, context, `mutation { ... on Mutation { ${LOGIN} } }`)).not.toBeNull();
    expect(await admit(limiter, context, `mutation { ...S } fragment S on Mutation { ${LOGIN} }`)).not.toBeNull();
    // Ordinary operations from the same address still run.
    expect(await admit(limiter, context, `mutation { updateAccount(name: "x") }`)).toBeNull();
  });

  it('spends the budget by aliases: four logins in one operation are four attempts', async () => {
    const limiter = new OperationRateLimiter(config);
    const { context } = caller('10.0.0.2');
    expect(await admit(limiter, context, `mutation { a: ${LOGIN} b: ${LOGIN} c: ${LOGIN} d: ${LOGIN} }`)).not.toBeNull();
    const fresh = caller('10.0.0.3').context;
    expect(await admit(limiter, fresh, `mutation { a: ${LOGIN} b: ${LOGIN} }`)).toBeNull();
    expect(await admit(limiter, fresh, `mutation { a: ${LOGIN} b: ${LOGIN} }`)).not.toBeNull();
  });

  it('names the budget, its window and the setting that changes it, and logs the refusal with its reason', async () => {
    const limiter = new OperationRateLimiter(config);
    const { context, lines } = caller('10.0.0.4');
    for (let i = 0; i < 3; i++) await admit(limiter, context, `mutation { ${LOGIN} }`);
    const refusal = (await admit(limiter, context, `mutation { register(email: "x@iris.dev") { accessToken } }`)) as GraphQLError;
    expect(refusal.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
      limit: 3,
      windowSeconds: 600,
      setting: 'RATE_LIMIT_SENSITIVE_POINTS',
    });
    expect(refusal.message).toMatch(
      /3 sign-in, verification-code and password calls per 600 s \(set by RATE_LIMIT_SENSITIVE_POINTS and RATE_LIMIT_SENSITIVE_WINDOW_SECONDS\)\. Try again in \d+ s\./,
    );
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        requestId: 'request-10.0.0.4',
        code: 'RATE_LIMITED',
        budget: 'sensitive',
        limit: 3,
        windowSeconds: 600,
        setting: 'RATE_LIMIT_SENSITIVE_POINTS',
        clientAddress: '10.0.0.4',
        msg: expect.stringMatching(/sensitive rate limit/),
      }),
    ]);
  });

  it('names the ordinary budget and its setting too', async () => {
    const limiter = new OperationRateLimiter({ ...config, RATE_LIMIT_ANONYMOUS_POINTS: 1 });
    const { context, lines } = caller('10.0.0.5');
    expect(await admit(limiter, context, '{ me }')).toBeNull();
    const refusal = (await admit(limiter, context, '{ me }')) as GraphQLError;
    expect(refusal.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 1, windowSeconds: 60, setting: 'RATE_LIMIT_ANONYMOUS_POINTS' });
    expect(lines[0]).toMatchObject({ budget: 'anonymous', setting: 'RATE_LIMIT_ANONYMOUS_POINTS' });
  });
});
