import { readFileSync } from 'node:fs';
import { loadConfig, type Principal } from '@iris/core';
import { buildSchema, GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { createOperationAdmission, credentialCloseReason } from './admission.js';

const schema = buildSchema(readFileSync(new URL('../../../schema/api.graphql', import.meta.url), 'utf8'));
const limits = loadConfig({ MAX_TOKENS: '100', MAX_DOCUMENT_BYTES: '1024', MAX_ALIASES: '2', MAX_QUERY_COST: '500' });
const principal = { kind: 'user', userId: 'u', accountId: 'a', role: 'MAIN' } as unknown as Principal;
const context = {
  requestId: 'r',
  auth: { principal, credentialError: null },
  forwardHeaders: {},
  clientAddress: '127.0.0.1',
} as unknown as GatewayContext;

describe('one admission for every transport', () => {
  const admit = createOperationAdmission({ schema: () => schema, limits });
  const refusalOf = async (query: string, variables?: unknown) => {
    const result = await admit(context, { query, variables });
    return result.ok ? null : { status: result.status, error: result.errors[0]!.toJSON() };
  };

  it('admits a subscription within every limit', async () => {
    const result = await admit(context, { query: 'subscription { deviceMarkCreated { id } }' });
    expect(result).toMatchObject({ ok: true, operation: 'subscription', variables: {} });
  });

  it('refuses each limit HTTP applies, with its code and status', async () => {
    expect(await refusalOf(`subscription { deviceMarkCreated { id } } # ${'x'.repeat(1100)}`)).toMatchObject({
      status: 413,
      error: { extensions: { code: 'BAD_REQUEST', limit: 'documentBytes' } },
    });
    expect(await refusalOf(`subscription { deviceMarkCreated { ${'id '.repeat(120)}} }`)).toMatchObject({
      status: 400,
      error: { message: expect.stringMatching(/100 tokens/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } },
    });
    expect(await refusalOf('subscription { deviceMarkCreated { a: id b: id c: id } }')).toMatchObject({
      status: 400,
      error: { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'aliases' } },
    });
    expect(await refusalOf('subscription { deviceMarkCreated { nope } }')).toMatchObject({
      status: 400,
      error: { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    });
    const cost = await refusalOf(
      'subscription { deviceMarkCreated { device { account { devices(first: 100) { nodes { group { id } mode { id } sharedWith { id } } } } } } }',
    );
    expect(cost).toMatchObject({ status: 400, error: { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost', max: 500 } } });
    expect(cost!.error.extensions).not.toHaveProperty('http');
    expect(await refusalOf('subscription { deviceMarkCreated { id } }', [1])).toMatchObject({
      status: 400,
      error: { extensions: { code: 'BAD_REQUEST' } },
    });
  });

  it('refuses what persisted operations and rate limits refuse, with their codes', async () => {
    const persistedOnly = createOperationAdmission({
      schema: () => schema,
      limits,
      persisted: () => ({ ok: false, message: 'Only registered operations can run here.' }),
    });
    expect(await persistedOnly(context, { query: 'subscription { deviceMarkCreated { id } }' })).toMatchObject({
      ok: false,
      status: 400,
      errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }],
    });
    const limited = createOperationAdmission({
      schema: () => schema,
      limits,
      rateLimit: async () =>
        new GraphQLError('Too many operations.', { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7, http: { status: 429 } } }),
    });
    const refusal = await limited(context, { query: 'subscription { deviceMarkCreated { id } }' });
    expect(refusal).toMatchObject({ ok: false, status: 429, errors: [{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7 } }] });
    expect(refusal.ok ? null : refusal.errors[0]!.extensions).not.toHaveProperty('http');
  });

  it('refuses a caller without a principal with the reason its credential was refused', async () => {
    const expired = {
      ...context,
      auth: { principal: null, credentialError: { reason: 'TOKEN_EXPIRED', message: 'Your access token has expired.' } },
    } as unknown as GatewayContext;
    expect(await admit(expired, { query: 'subscription { deviceMarkCreated { id } }' })).toMatchObject({
      ok: false,
      status: 401,
      errors: [{ extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' } }],
    });
    expect(credentialCloseReason(expired.auth)).toBe('TOKEN_EXPIRED: Your access token has expired.');
    const long = { principal: null, credentialError: { reason: 'TOKEN_INVALID' as const, message: 'x'.repeat(300) } };
    expect(Buffer.byteLength(credentialCloseReason(long))).toBeLessThanOrEqual(123);
    expect(credentialCloseReason({ principal: null, credentialError: null })).toMatch(/^CREDENTIALS_MISSING: /);
  });
});
