import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * A document that names no operation it holds (`operationName` that is not in it, or several operations
 * and no name) is the client's mistake: 400 `OPERATION_RESOLUTION_FAILURE` naming what to send.
 * Apollo Server lets such a request through to `@apollo/gateway`, whose planner throws, and the client
 * got a masked 500.
 */
export function requireResolvedOperation<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, document }) {
          if (operation) return;
          const names = document.definitions.flatMap((d) => (d.kind === 'OperationDefinition' && d.name ? [d.name.value] : []));
          const message = request.operationName
            ? `Unknown operation named "${request.operationName}": this document holds ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'no named operation'}.`
            : `This document holds several operations (${names.map((n) => `"${n}"`).join(', ')}): say which to run in \`operationName\`.`;
          throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
        },
      };
    },
  };
}
