import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, MASKED_MESSAGE, type Logger } from '@iris/core';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayPlugin } from '../plugin.js';

/** What `@apollo/gateway` leaves in `extensions.valueCompletion`: GraphQLErrors, or their formatted form. */
interface CompletionError {
  message: string;
  path?: readonly (string | number)[];
}

/** What Iris's engine leaves in `extensions.unresolvedEntities`: an entity a subgraph answered `null` for. */
interface UnresolvedEntity {
  path: readonly (string | number)[];
  typename: string;
  serviceName: string;
}

/** Where a value went missing, as the GraphQL spec writes paths in messages: `device.sharedWith.0`. */
const pathText = (path: readonly (string | number)[]) => path.join('.');

/**
 * A value the gateway could not complete as an `errors` entry with its `path` and a `code`.
 *
 * A null where the schema promises a value almost always means an entity another subgraph could not
 * resolve (deleted, or not visible to the caller): NOT_FOUND, naming the path. An invalid value or
 * `__typename` is a fault of ours: INTERNAL_SERVER_ERROR, masked, with the request id to quote.
 */
export function completionError(error: CompletionError, requestId: string): GraphQLFormattedError {
  const path = error.path ? [...error.path] : undefined;
  if (error.message.startsWith('Cannot return null')) {
    const where = path ? pathText(path) : 'a field';
    return {
      message: `${where}: this value could not be found (it was deleted, or you cannot see it), so the nearest field that may be null is null.`,
      ...(path && { path }),
      extensions: { code: ErrorCode.NOT_FOUND },
    };
  }
  return { message: MASKED_MESSAGE, ...(path && { path }), extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } };
}

/**
 * An entity whose subgraph could not resolve it (deleted, or not visible to the caller) as NOT_FOUND at
 * the entity's path: the fields asked of that subgraph read as null under it.
 */
export function unresolvedEntityError(entity: UnresolvedEntity): GraphQLFormattedError {
  return {
    message: `${pathText(entity.path)}: this ${entity.typename} could not be found (it was deleted, or you cannot see it), so its fields from ${entity.serviceName} are null.`,
    path: [...entity.path],
    extensions: { code: ErrorCode.NOT_FOUND },
  };
}

/**
 * No silent nulls. `@apollo/gateway` nulls a value it cannot complete (a null for a non-null field, an
 * entity that could not be resolved) up to the nearest nullable field, as the spec says, but reports it
 * only in `extensions.valueCompletion`, which clients never read: `{"data":{"device":null}}` and no
 * error. This moves each of those into `errors` with its `path` and a `code`, and logs them (a value
 * that cannot be completed is a broken reference worth finding). `@apollo/gateway` keeps them only when no
 * subgraph returned an error; Iris patches it (`patches/@apollo__gateway*.patch`) to keep them always, and
 * drops here those a subgraph's error already explains.
 */
export function valueCompletionPlugin<Context extends { requestId: string; logger: Logger }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const completion = result.extensions?.valueCompletion as CompletionError[] | undefined;
          const unresolved = result.extensions?.unresolvedEntities as UnresolvedEntity[] | undefined;
          if (!completion && !unresolved) return;
          const { valueCompletion: _moved, unresolvedEntities: _movedToo, ...extensions } = result.extensions!;
          result.extensions = Object.keys(extensions).length > 0 ? extensions : undefined;
          const added = completionErrors(completion ?? [], unresolved ?? [], result.errors ?? [], contextValue);
          if (added.length > 0) result.errors = [...(result.errors ?? []), ...added];
        },
      };
    },
  };
}

/**
 * The errors to add for values that could not be completed and entities no subgraph resolved, beside a
 * result's (or a deferred part's) own errors: those no error of the result explains, logged.
 */
export function completionErrors(
  completion: readonly CompletionError[],
  unresolved: readonly UnresolvedEntity[],
  errors: readonly GraphQLFormattedError[],
  context: { requestId: string; logger: Logger },
): GraphQLFormattedError[] {
  // A null that a subgraph's own error already explains needs no second entry: an error under its
  // path (a child that failed), above it (an entity whose reference was refused, its fields
  // missing), or with no path at all (a whole fetch failed: the subgraph down, cut off, too slow).
  const within = (outer: readonly (string | number)[], inner: readonly (string | number)[]) => outer.every((key, i) => inner[i] === key);
  const explained = (path: readonly (string | number)[] | undefined) =>
    errors.some((error) => !error.path || (path && (within(path, error.path) || within(error.path, path))));
  const unexplained = completion.filter((error) => !explained(error.path));
  // An unresolved entity with a non-null field asked of it already has that field's completion error
  // under its path (the null went up from there); otherwise it is the only trace.
  const unexplainedEntities = unresolved.filter(
    (entity) => !explained(entity.path) && !unexplained.some((error) => error.path && within(entity.path, error.path)),
  );
  if (unexplained.length === 0 && unexplainedEntities.length === 0) return [];
  context.logger.warn(
    { valueCompletion: unexplained.map((e) => ({ message: e.message, path: e.path })), unresolvedEntities: unexplainedEntities },
    'values could not be completed',
  );
  return [...unexplained.map((error) => completionError(error, context.requestId)), ...unexplainedEntities.map(unresolvedEntityError)];
}

/** No silent nulls: values the executor could not complete become `errors` entries (see `valueCompletionPlugin`). */
export function useValueCompletionErrors(): GatewayPlugin {
  return { name: 'value-completion-errors', apollo: [valueCompletionPlugin()] };
}
