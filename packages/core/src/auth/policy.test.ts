import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { allows, declaredPolicies, secureResolvers } from './policy.js';
import type { AuthState, Principal } from './principal.js';

const ALL = 'roles: [MAIN, MEMBER, SERVICE_ADMIN]';
const typeDefs = parse(`
  type Query {
    open: String @allow(public: true)
    mine: Thing @allow(${ALL})
    adminOnly: String @allow(roles: [SERVICE_ADMIN])
    profiles: String @allow(${ALL}, scopes: ["profiles:read"])
    keysOnly: String @allow(scopes: ["profiles:write"])
  }
  type Subscription { ticks: Int @allow(${ALL}, scopes: ["marks:read"]) }
  type Thing @key(fields: "id") @allow(${ALL}, scopes: ["devices:read"]) {
    id: ID!
    name: String
    secret: String @allow(roles: [MAIN])
  }
  type Page @allow(public: true) { total: Int }
`);
const resolvers = {
  Query: {
    open: () => 'open',
    mine: () => ({ id: 't', name: 'thing', secret: 's' }),
    adminOnly: () => 'admin',
    profiles: () => 'profiles',
    keysOnly: () => 'posted',
  },
  Subscription: { ticks: { subscribe: () => 'stream' } },
};

const user = (role: 'MAIN' | 'MEMBER' | 'SERVICE_ADMIN'): AuthState => ({
  principal: { kind: 'user', userId: 'u', accountId: 'a', role },
  credentialError: null,
});
const app = (scopes: string[], via: 'apiKey' | 'oauth' = 'apiKey'): AuthState => ({
  principal: {
    kind: 'app',
    via,
    appId: 'app-1',
    accountId: 'a',
    scopes,
    ...(via === 'oauth' ? { userId: 'u', role: 'SERVICE_ADMIN' as const } : {}),
  },
  credentialError: null,
});
const nobody: AuthState = { principal: null, credentialError: null };
const expired: AuthState = {
  principal: null,
  credentialError: { reason: 'TOKEN_EXPIRED', message: 'The access token has expired: refresh it.' },
};

type Fn = (parent: unknown, args: unknown, context: { auth: AuthState }, info: unknown) => unknown;
type Secured = Record<string, Record<string, Fn & { subscribe?: Fn; resolve?: Fn }>>;
const secured = secureResolvers(typeDefs, resolvers) as unknown as Secured;
const outcome = (run: () => unknown) => {
  try {
    return run();
  } catch (err) {
    return (err as { extensions: { code: string } }).extensions.code;
  }
};
const call = (type: string, field: string, auth: AuthState, parent: unknown = null) =>
  outcome(() => secured[type]![field]!(parent, {}, { auth }, { fieldName: field }));

describe('secureResolvers', () => {
  it('opens only what @allow(public: true) names to anonymous callers, and says why a credential was refused', () => {
    expect(call('Query', 'open', nobody)).toBe('open');
    expect(call('Query', 'mine', nobody)).toBe('UNAUTHENTICATED');
    let reason: unknown;
    try {
      secured.Query!.mine!(null, {}, { auth: expired }, null);
    } catch (err) {
      reason = (err as { extensions: { reason: string } }).extensions.reason;
    }
    expect(reason).toBe('TOKEN_EXPIRED');
  });

  it('judges users by role', () => {
    expect(call('Query', 'adminOnly', user('MEMBER'))).toBe('FORBIDDEN');
    expect(call('Query', 'adminOnly', user('SERVICE_ADMIN'))).toBe('admin');
    expect(call('Query', 'keysOnly', user('MAIN'))).toBe('FORBIDDEN');
  });

  it('judges app credentials by scope only, whoever consented to an OAuth token', () => {
    expect(call('Query', 'profiles', app(['profiles:read']))).toBe('profiles');
    expect(call('Query', 'profiles', app(['userdata:delete']))).toBe('FORBIDDEN');
    expect(call('Query', 'mine', app(['profiles:read']))).toBe('FORBIDDEN');
    // The consenting user is a service admin, but the token holds no scope the field names.
    expect(call('Query', 'adminOnly', app(['profiles:read'], 'oauth'))).toBe('FORBIDDEN');
    expect(call('Query', 'keysOnly', app(['profiles:write']))).toBe('posted');
  });

  it('checks nested fields, default resolvers included, by their own policy or their type’s', () => {
    const thing = { id: 't', name: 'thing', secret: 's' };
    expect(call('Thing', 'name', app(['devices:read']), thing)).toBe('thing');
    expect(call('Thing', 'name', app(['profiles:read']), thing)).toBe('FORBIDDEN');
    expect(call('Thing', 'secret', app(['devices:read']), thing)).toBe('FORBIDDEN');
    expect(call('Thing', 'secret', user('MEMBER'), thing)).toBe('FORBIDDEN');
    expect(call('Thing', 'secret', user('MAIN'), thing)).toBe('s');
    // Public types cost nothing: their fields are left to the default resolver.
    expect(secured.Page?.total).toBeUndefined();
  });

  it('guards subscriptions at subscribe', () => {
    expect(outcome(() => secured.Subscription!.ticks!.subscribe!(null, {}, { auth: app(['marks:read'], 'oauth') }, null))).toBe('stream');
    expect(outcome(() => secured.Subscription!.ticks!.subscribe!(null, {}, { auth: app(['devices:read'], 'oauth') }, null))).toBe(
      'FORBIDDEN',
    );
  });

  it('guards entity references with the type’s policy, including entities without their own reference resolver', async () => {
    // A refusal is a rejected promise, so that `_entities` answers each reference on its own.
    const reference = async (auth: AuthState) => {
      try {
        return await (secured.Thing!.__resolveReference as unknown as (ref: unknown, context: unknown, info: unknown) => unknown)(
          { id: '1' },
          { auth },
          null,
        );
      } catch (err) {
        return (err as { extensions: { code: string } }).extensions.code;
      }
    };
    expect(await reference(nobody)).toBe('UNAUTHENTICATED');
    expect(await reference(app(['profiles:read']))).toBe('FORBIDDEN');
    expect(await reference(app(['devices:read'], 'oauth'))).toEqual({ id: '1' });
    expect(await reference(user('MEMBER'))).toEqual({ id: '1' });
  });

  it('refuses to start when a root field of the SDL has no resolver', () => {
    expect(() => secureResolvers(typeDefs, { Query: { open: () => 'x' } })).toThrow('Query.mine is in the schema but has no resolver');
  });
});

describe('declaredPolicies: deny by default', () => {
  const fails = (sdl: string) => () => declaredPolicies(parse(sdl));

  it('refuses a field with no policy of its own or of its type, naming it', () => {
    expect(fails(`type Query { a: T @allow(public: true) } type T { x: Int }`)).toThrow('T.x has no policy');
  });

  it('wants every root field to declare its own', () => {
    expect(fails(`type Query @allow(public: true) { a: Int }`)).toThrow('Query.a declares no @allow');
  });

  it('wants a type-level policy on every entity', () => {
    expect(fails(`type Query { a: T @allow(public: true) } type T @key(fields: "id") { id: ID! @allow(public: true) }`)).toThrow(
      'T is an entity without a type-level @allow',
    );
  });

  it('knows the scopes and roles there are, and refuses an @allow that lets no one in', () => {
    expect(fails(`type Query { a: Int @allow(scopes: ["profiles:reed"]) }`)).toThrow(
      'Query.a: @allow names an unknown scope "profiles:reed"',
    );
    expect(fails(`type Query { a: Int @allow(roles: [OWNER]) }`)).toThrow('unknown role "OWNER"');
    expect(fails(`type Query { a: Int @allow(roles: []) }`)).toThrow('Query.a: @allow names no one');
    expect(fails(`type Query { a: Int @allow(public: true, roles: [MAIN]) }`)).toThrow('lets everyone in');
  });

  it('gives a field its own policy over its type’s', () => {
    const { fields } = declaredPolicies(typeDefs);
    const thing = fields.get('Thing')!;
    const oauth = (scopes: string[]): Principal => app(scopes, 'oauth').principal!;
    expect(allows(thing.get('name')!, oauth(['devices:read']))).toBe(true);
    expect(allows(thing.get('secret')!, oauth(['devices:read']))).toBe(false);
    expect(thing.get('secret')!.declaredOn).toBe('Thing.secret');
    expect(thing.get('name')!.declaredOn).toBe('Thing');
  });
});
