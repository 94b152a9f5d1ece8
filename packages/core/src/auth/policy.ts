import {
  defaultFieldResolver,
  Kind,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLFieldResolver,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import { forbidden, unauthenticated } from '../errors.js';
import type { AuthState, Principal, Role } from './principal.js';
import { isScope } from './scopes.js';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);
const ROLES: readonly Role[] = ['MAIN', 'MEMBER', 'SERVICE_ADMIN'];

/**
 * Who may read a field, as its `@allow` (or its type's) declares: anyone (`public`), users holding
 * one of `roles`, app credentials (API keys, app keys, OAuth tokens) holding one of `scopes`.
 * Nobody else: a user whose role is not listed, or an app whose scopes are not, gets FORBIDDEN.
 */
export interface FieldPolicy {
  public: boolean;
  roles: ReadonlySet<Role>;
  scopes: readonly string[];
  /** Where it was declared, `Type.field` or `Type` (for messages and the authorization matrix). */
  declaredOn: string;
}

/** Every object type's fields with their effective policy, and each entity type's own policy. */
export interface SchemaPolicies {
  fields: Map<string, Map<string, FieldPolicy>>;
  /** A type's own `@allow`: what its entity references (`_entities`) are held to. */
  types: Map<string, FieldPolicy>;
  /** Types with `@key`: their `__resolveReference` is guarded by the type's policy. */
  entities: Set<string>;
}

/**
 * Reads the `@allow` declarations of a subgraph's SDL. A field's policy is its own `@allow`, else its
 * type's; a root field (Query, Mutation, Subscription) must declare its own. A field left with no
 * policy, an unknown scope or role, or an `@allow` that lets no one in is a start-up error naming
 * `Type.field`: deny by default means nothing is reachable by omission.
 */
export function declaredPolicies(typeDefs: DocumentNode): SchemaPolicies {
  const definitions = typeDefs.definitions.filter(
    (def): def is ObjectTypeDefinitionNode | ObjectTypeExtensionNode =>
      def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION,
  );
  const types = new Map<string, FieldPolicy>();
  const entities = new Set<string>();
  for (const def of definitions) {
    const typeName = def.name.value;
    const own = policyOf(def.directives, typeName);
    if (own) {
      if (types.has(typeName)) throw new Error(`${typeName} declares @allow twice: declare it once, on one definition.`);
      types.set(typeName, own);
    }
    if (def.directives?.some((d) => d.name.value === 'key')) entities.add(typeName);
  }
  const fields = new Map<string, Map<string, FieldPolicy>>();
  const problems: string[] = [];
  for (const def of definitions) {
    const typeName = def.name.value;
    const byField = fields.get(typeName) ?? new Map<string, FieldPolicy>();
    fields.set(typeName, byField);
    for (const field of def.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      const own = policyOf(field.directives, coordinate);
      const policy = own ?? (ROOT_TYPES.has(typeName) ? undefined : types.get(typeName));
      if (!policy) {
        problems.push(
          ROOT_TYPES.has(typeName)
            ? `${coordinate} declares no @allow: every root field says who may call it.`
            : `${coordinate} has no policy: give it or its type an @allow.`,
        );
        continue;
      }
      byField.set(field.name.value, policy);
    }
  }
  for (const typeName of entities) {
    if (!types.has(typeName)) problems.push(`${typeName} is an entity without a type-level @allow: its references (_entities) need one.`);
  }
  if (problems.length > 0) throw new Error(`Authorization policy is incomplete (deny by default):\n  ${problems.join('\n  ')}`);
  return { fields, types, entities };
}

function policyOf(directives: readonly ConstDirectiveNode[] | undefined, declaredOn: string): FieldPolicy | undefined {
  const allow = directives?.find((d) => d.name.value === 'allow');
  if (!allow) return undefined;
  const argument = (name: string) => allow.arguments?.find((a) => a.name.value === name)?.value;
  const list = (name: string): string[] => {
    const value = argument(name);
    if (!value) return [];
    const items = value.kind === Kind.LIST ? value.values : [value];
    return items.flatMap((v) => (v.kind === Kind.ENUM || v.kind === Kind.STRING ? [v.value] : []));
  };
  const publicValue = argument('public');
  const isPublic = publicValue?.kind === Kind.BOOLEAN && publicValue.value;
  const roles = list('roles');
  const scopes = list('scopes');
  for (const role of roles) {
    if (!ROLES.includes(role as Role))
      throw new Error(`${declaredOn}: @allow names an unknown role "${role}" (known: ${ROLES.join(', ')}).`);
  }
  for (const scope of scopes) {
    if (!isScope(scope)) throw new Error(`${declaredOn}: @allow names an unknown scope "${scope}" (see packages/core/src/auth/scopes.ts).`);
  }
  if (isPublic && (roles.length > 0 || scopes.length > 0)) {
    throw new Error(`${declaredOn}: @allow(public: true) lets everyone in; drop its roles and scopes.`);
  }
  if (!isPublic && roles.length === 0 && scopes.length === 0) {
    throw new Error(`${declaredOn}: @allow names no one: give it roles, scopes or public: true.`);
  }
  return { public: isPublic, roles: new Set(roles as Role[]), scopes, declaredOn };
}

/** Whether a policy lets this principal in: users by role, app credentials by scope. */
export function allows(policy: FieldPolicy, principal: Principal | null): boolean {
  if (policy.public) return true;
  if (!principal) return false;
  if (principal.kind === 'user') return policy.roles.has(principal.role);
  return policy.scopes.some((scope) => principal.scopes.includes(scope));
}

/** A check precomputed for one policy: a couple of lookups per call, the messages built once. */
function checkFor(policy: FieldPolicy): (auth: AuthState) => void {
  const roles = [...policy.roles];
  const userMessage =
    roles.length > 0
      ? `${policy.declaredOn} needs one of these roles: ${roles.join(', ')}.`
      : `${policy.declaredOn} is not open to users: only app credentials with one of these scopes may read it: ${policy.scopes.join(', ')}.`;
  const appMessage =
    policy.scopes.length > 0
      ? `${policy.declaredOn} needs a credential with one of these scopes: ${policy.scopes.join(', ')}.`
      : `${policy.declaredOn} is not open to API keys, app keys or OAuth tokens: sign in as a user with one of these roles: ${roles.join(', ')}.`;
  // A request checks the same field for each row of a page with one AuthState: the last one let in is
  // remembered, so the check of every row after the first is one comparison.
  let admitted: AuthState | undefined;
  return (auth) => {
    if (auth === admitted) return;
    const principal = auth.principal;
    if (!principal) throw refusal(unauthenticated(auth.credentialError ?? undefined), policy);
    if (principal.kind === 'user') {
      if (!policy.roles.has(principal.role)) throw refusal(forbidden(userMessage), policy);
    } else if (!policy.scopes.some((scope) => principal.scopes.includes(scope))) {
      throw refusal(forbidden(appMessage), policy);
    }
    admitted = auth;
  };
}

/**
 * `extensions.policy` names the declaration that refused (`Device.streamingUrl`, or a type): it tells a
 * refusal by the policy from a resolver's own answer (a wrong password, another tenant's account).
 */
function refusal<E extends { extensions: Record<string, unknown> }>(error: E, policy: FieldPolicy): E {
  error.extensions.policy = policy.declaredOn;
  return error;
}

// Loosely typed on purpose: this wraps whatever resolver map a subgraph hands over.
type ResolverMap = Record<string, Record<string, unknown>>;
type ContextWithAuth = { auth: AuthState };
type Resolve = GraphQLFieldResolver<unknown, ContextWithAuth>;

/**
 * Enforces the SDL's `@allow` policies in one place. Every field of every object type of the subgraph
 * is wrapped with its policy's check (default resolvers included; public fields are left as they are,
 * so they cost nothing), subscriptions at `subscribe`, and every entity's `__resolveReference` with its
 * type's policy, so `_entities` gives nothing a caller could not read through a root field. A refusal
 * is thrown by the field's resolver, so it carries the field's path. A root field declared in the SDL
 * without a resolver is a start-up error, not a silent `null`.
 */
export function secureResolvers<R extends ResolverMap>(typeDefs: DocumentNode, resolvers: R): R {
  const policies = declaredPolicies(typeDefs);
  const secured: ResolverMap = {};
  for (const [typeName, fields] of Object.entries(resolvers)) secured[typeName] = { ...fields };

  for (const typeName of policies.entities) {
    const check = checkFor(policies.types.get(typeName)!);
    const isPublic = policies.types.get(typeName)!.public;
    // An entity without its own reference resolver still answers `_entities` (with the bare
    // reference), so it gets the check too.
    const ref =
      (resolvers[typeName]?.['__resolveReference'] as ((...args: unknown[]) => unknown) | undefined) ?? ((reference: unknown) => reference);
    if (isPublic) continue;
    // Refused as a rejected promise, not a throw: `_entities` then answers each reference on its own
    // (an error at `_entities.<i>`, which the gateway puts at the entity's path) instead of failing whole.
    (secured[typeName] ??= {})['__resolveReference'] = (reference: unknown, context: ContextWithAuth, info: unknown) => {
      try {
        check(context.auth);
      } catch (error) {
        return Promise.reject(error);
      }
      return ref(reference, context, info);
    };
  }

  for (const [typeName, fields] of policies.fields) {
    for (const [fieldName, policy] of fields) {
      const resolver = resolvers[typeName]?.[fieldName];
      if (ROOT_TYPES.has(typeName) && resolver === undefined)
        throw new Error(`${typeName}.${fieldName} is in the schema but has no resolver`);
      if (policy.public) continue;
      const check = checkFor(policy);
      const target = (secured[typeName] ??= {});
      if (typeName === 'Subscription') {
        const { subscribe, resolve } = resolver as { subscribe: Resolve; resolve?: unknown };
        target[fieldName] = {
          ...(resolve ? { resolve } : {}),
          subscribe: (parent: unknown, args: Record<string, unknown>, context: ContextWithAuth, info: never) => {
            check(context.auth);
            return subscribe(parent, args, context, info);
          },
        };
        continue;
      }
      const resolve: Resolve =
        typeof resolver === 'function'
          ? (resolver as Resolve)
          : ((resolver as { resolve?: Resolve } | undefined)?.resolve ?? (defaultFieldResolver as Resolve));
      const wrapped: Resolve = (parent, args, context, info) => {
        check(context.auth);
        return resolve(parent, args, context, info);
      };
      target[fieldName] = typeof resolver === 'object' && resolver !== null ? { ...resolver, resolve: wrapped } : wrapped;
    }
  }
  return secured as R;
}
