import { Kind, type DocumentNode, type FieldDefinitionNode, type GraphQLFieldResolver } from 'graphql';
import { forbidden, unauthenticated } from '../errors.js';
import type { AuthState, Role } from './principal.js';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

type Requirement = { kind: 'public' } | { kind: 'signedIn' } | { kind: 'role'; roles: Role[] };

// Loosely typed on purpose: this wraps whatever resolver map a subgraph hands over.
type ResolverMap = Record<string, Record<string, unknown>>;
type ContextWithAuth = { auth: AuthState };

/**
 * Enforces the SDL's auth directives in one place. Every root field is wrapped with the check its
 * directives declare (signed in unless `@public`), and every entity's `__resolveReference` requires a
 * signed-in principal, so `_entities` gives nothing to an anonymous caller. A root field declared in
 * the SDL without a resolver is a start-up error, not a silent `null`.
 */
export function secureResolvers<R extends ResolverMap>(typeDefs: DocumentNode, resolvers: R): R {
  const secured: ResolverMap = {};
  for (const [typeName, fields] of Object.entries(resolvers)) secured[typeName] = { ...fields };
  for (const typeName of entityTypes(typeDefs)) {
    // An entity without its own reference resolver still answers `_entities` (with the bare
    // reference), so it gets the check too.
    const ref = (resolvers[typeName]?.['__resolveReference'] as ((...args: unknown[]) => unknown) | undefined) ?? ((reference: unknown) => reference);
    (secured[typeName] ??= {})['__resolveReference'] = (reference: unknown, context: ContextWithAuth, info: unknown) => {
      enforce({ kind: 'signedIn' }, context);
      return ref(reference, context, info);
    };
  }
  for (const { typeName, field } of rootFields(typeDefs)) {
    const requirement = requirementOf(field);
    const fieldName = field.name.value;
    const resolver = resolvers[typeName]?.[fieldName];
    if (resolver === undefined) throw new Error(`${typeName}.${fieldName} is in the schema but has no resolver`);
    const target = (secured[typeName] ??= {});
    if (typeName === 'Subscription') {
      const { subscribe, resolve } = resolver as { subscribe: GraphQLFieldResolver<unknown, ContextWithAuth>; resolve?: unknown };
      target[fieldName] = {
        ...(resolve ? { resolve } : {}),
        subscribe: (parent: unknown, args: Record<string, unknown>, context: ContextWithAuth, info: never) => {
          enforce(requirement, context);
          return subscribe(parent, args, context, info);
        },
      };
    } else {
      const resolve = resolver as GraphQLFieldResolver<unknown, ContextWithAuth>;
      target[fieldName] = (parent: unknown, args: Record<string, unknown>, context: ContextWithAuth, info: never) => {
        enforce(requirement, context);
        return resolve(parent, args, context, info);
      };
    }
  }
  return secured as R;
}

function enforce(requirement: Requirement, context: ContextWithAuth): void {
  if (requirement.kind === 'public') return;
  const { principal, credentialError } = context.auth;
  if (!principal) throw unauthenticated(credentialError ?? undefined);
  if (requirement.kind === 'role' && (principal.kind !== 'user' || !requirement.roles.includes(principal.role))) {
    throw forbidden(`This needs one of these roles: ${requirement.roles.join(', ')}.`);
  }
}

function* entityTypes(typeDefs: DocumentNode) {
  for (const def of typeDefs.definitions) {
    if (
      (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) &&
      def.directives?.some((d) => d.name.value === 'key')
    ) {
      yield def.name.value;
    }
  }
}

function* rootFields(typeDefs: DocumentNode) {
  for (const def of typeDefs.definitions) {
    if ((def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) && ROOT_TYPES.has(def.name.value)) {
      for (const field of def.fields ?? []) yield { typeName: def.name.value, field };
    }
  }
}

function requirementOf(field: FieldDefinitionNode): Requirement {
  for (const directive of field.directives ?? []) {
    if (directive.name.value === 'public') return { kind: 'public' };
    if (directive.name.value === 'requiresRole') {
      const arg = directive.arguments?.find((a) => a.name.value === 'roles');
      const roles =
        arg?.value.kind === Kind.LIST ? arg.value.values.flatMap((v) => (v.kind === Kind.ENUM ? [v.value as Role] : [])) : [];
      return { kind: 'role', roles };
    }
  }
  return { kind: 'signedIn' };
}
