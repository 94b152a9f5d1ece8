import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';

/**
 * The header the gateway sends every subgraph call with, holding `GATEWAY_SECRET`: with it a subgraph
 * answers `_service { sdl }` and introspection, which it keeps from everyone else.
 */
export const GATEWAY_SECRET_HEADER = 'x-iris-gateway-secret';

/** Fields that describe the schema instead of reading data. */
const SCHEMA_FIELDS = new Set(['_service', '__schema', '__type']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `presented` is the secret, in constant time. */
export function isGatewaySecret(secret: string, presented: string | undefined | null): boolean {
  return typeof presented === 'string' && timingSafeEqual(digest(secret), digest(presented));
}

/** Whether a document asks for `_service` or introspection anywhere (fragments included). */
export function asksForSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD](node) {
      if (SCHEMA_FIELDS.has(node.name.value)) found = true;
    },
  });
  return found;
}

/**
 * A subgraph's schema is the gateway's business: `_service { sdl }` and introspection answer only a
 * request carrying {@link GATEWAY_SECRET_HEADER} (FORBIDDEN otherwise), so a caller reaching a subgraph
 * directly learns nothing of its fields, including those the gateway keeps `@inaccessible`.
 */
export function schemaDetailsOnlyForGateway<Context extends BaseContext>(secret: string): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      if (isGatewaySecret(secret, request.http?.headers.get(GATEWAY_SECRET_HEADER))) return;
      return {
        async didResolveOperation({ document }) {
          if (!asksForSchema(document)) return;
          throw new GraphQLError(
            'This subgraph describes its schema only to the gateway: ask the gateway, which answers introspection where it is on.',
            {
              extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } },
            },
          );
        },
      };
    },
  };
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * Removes graphql-js's "Did you mean …?" from an error message, which names fields, arguments, types
 * and enum values close to what was sent: schema details for whoever cannot introspect. Apollo's
 * `hideSchemaDetailsFromClientErrors` does it for validation errors only; this covers the rest
 * (variables, input fields) too.
 */
export function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = formatted.message.replace(SUGGESTION, '');
  return message === formatted.message ? formatted : { ...formatted, message };
}
