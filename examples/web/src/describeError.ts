import { CombinedGraphQLErrors } from '@apollo/client';

/** An error as a person reads it: each GraphQL error's message with its code (and reason, for credentials). */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors
      .map(({ message, extensions }) => {
        const tags = [extensions?.code, extensions?.reason].filter((tag): tag is string => typeof tag === 'string');
        return tags.length ? `${message} (${tags.join(', ')})` : message;
      })
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
