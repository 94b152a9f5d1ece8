import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { secureResolvers } from './policy.js';
import type { AuthState } from './principal.js';

const typeDefs = parse(`
  type Query { open: String @public  mine: String  adminOnly: String @requiresRole(roles: [SERVICE_ADMIN]) }
  type Thing @key(fields: "id") { id: ID! }
`);
const resolvers = { Query: { open: () => 'open', mine: () => 'mine', adminOnly: () => 'admin' } };
const member: AuthState = { principal: { kind: 'user', userId: 'u', accountId: 'a', role: 'MEMBER' }, credentialError: null };
const admin: AuthState = { principal: { kind: 'user', userId: 'u', accountId: 'a', role: 'SERVICE_ADMIN' }, credentialError: null };
const nobody: AuthState = { principal: null, credentialError: null };

type Fn = (parent: unknown, args: unknown, context: { auth: AuthState }, info: unknown) => unknown;
const call = (field: string, auth: AuthState) => {
  const secured = secureResolvers(typeDefs, resolvers) as unknown as { Query: Record<string, Fn> };
  try {
    return secured.Query[field]!(null, {}, { auth }, null);
  } catch (err) {
    return (err as { extensions: { code: string } }).extensions.code;
  }
};

describe('secureResolvers', () => {
  it('denies by default and opens only what the SDL marks @public', () => {
    expect(call('open', nobody)).toBe('open');
    expect(call('mine', nobody)).toBe('UNAUTHENTICATED');
    expect(call('mine', member)).toBe('mine');
  });

  it('enforces @requiresRole', () => {
    expect(call('adminOnly', member)).toBe('FORBIDDEN');
    expect(call('adminOnly', admin)).toBe('admin');
  });

  it('guards entity references, including entities without their own reference resolver', () => {
    type Ref = (reference: unknown, context: { auth: AuthState }, info: unknown) => unknown;
    const secured = secureResolvers(typeDefs, resolvers) as unknown as { Thing: { __resolveReference: Ref } };
    expect(() => secured.Thing.__resolveReference({ id: '1' }, { auth: nobody }, null)).toThrow(/Sign in/);
    expect(secured.Thing.__resolveReference({ id: '1' }, { auth: member }, null)).toEqual({ id: '1' });
  });

  it('refuses to start when a root field of the SDL has no resolver', () => {
    expect(() => secureResolvers(typeDefs, { Query: { open: () => 'x' } })).toThrow('Query.mine is in the schema but has no resolver');
  });
});

describe('API keys', () => {
  const scoped = parse(`
    type Query { readProfiles: String @requiresScope(scopes: ["profiles:read"])  userOnly: String }
  `);
  const secured = secureResolvers(scoped, { Query: { readProfiles: () => 'profiles', userOnly: () => 'user' } }) as unknown as {
    Query: Record<string, Fn>;
  };
  const key = (scopes: string[]): AuthState => ({ principal: { kind: 'app', via: 'apiKey', appId: 'app-1', accountId: 'a', scopes }, credentialError: null });
  const run = (field: string, auth: AuthState) => {
    try {
      return secured.Query[field]!(null, {}, { auth }, null);
    } catch (err) {
      return (err as { extensions: { code: string } }).extensions.code;
    }
  };

  it('lets a key call only fields that name one of its scopes', () => {
    expect(run('readProfiles', key(['profiles:read']))).toBe('profiles');
    expect(run('readProfiles', key(['profiles:write']))).toBe('FORBIDDEN');
    expect(run('userOnly', key(['profiles:read']))).toBe('FORBIDDEN');
  });

  it('does not hold users to scopes', () => {
    expect(run('readProfiles', member)).toBe('profiles');
  });
});
