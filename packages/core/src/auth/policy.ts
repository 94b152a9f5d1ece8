import { Kind, type DocumentNode, type FieldDefinitionNode, type GraphQLFieldResolver } from 'graphql';
import { forbidden, unauthenticated } from '../errors.js';
import type { AuthState, Role } from './principal.js';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** What a root field asks of its caller, read from its directives. */
interface Requirement {
  public: boolean;
  /** Users must hold one of these roles (any role when absent). */
  roles?: Role[];
  /** API keys must hold one of these scopes; without it, API keys are refused. */
  scopes?: string[];
}

const SIGNED_IN: Requirement = { public: false };

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
      enforce(SIGNED_IN, context, true);
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

/** `entity`: entity references are open to API keys too; what they return is scoped by tenant. */
function enforce(requirement: Requirement, context: ContextWithAuth, entity = false): void {
  if (requirement.public) return;
  const { principal, credentialError } = context.auth;
  if (!principal) throw unauthenticated(credentialError ?? undefined);
  if (principal.kind === 'user') {
    if (requirement.roles && !requirement.roles.includes(principal.role)) {
      throw forbidden(`This needs one of these roles: ${requirement.roles.join(', ')}.`);
    }
    return;
  }
  if (entity) return;
  if (!requirement.scopes) throw forbidden('API keys cannot do this: sign in as a user.');
  if (!requirement.scopes.some((scope) => principal.scopes.includes(scope))) {
    throw forbidden(`This API key needs one of these scopes: ${requirement.scopes.join(', ')}.`);
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
  const requirement: Requirement = { public: false };
  for (const directive of field.directives ?? []) {
    const values = (name: string) => {
      const arg = directive.arguments?.find((a) => a.name.value === name);
      return arg?.value.kind === Kind.LIST
        ? arg.value.values.flatMap((v) => (v.kind === Kind.ENUM || v.kind === Kind.STRING ? [v.value] : []))
        : [];
    };
    if (directive.name.value === 'public') requirement.public = true;
    if (directive.name.value === 'requiresRole') requirement.roles = values('roles') as Role[];
    if (directive.name.value === 'requiresScope') requirement.scopes = values('scopes');
  }
  return requirement;
}
