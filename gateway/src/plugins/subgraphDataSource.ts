import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { REQUEST_ID_HEADER } from '@iris/core';
import type { GatewayContext } from '../context.js';

/** Calls one subgraph, passing on the caller's credentials and the request id. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Requests the gateway makes on its own (health checks) carry no caller context.
    if (!('requestId' in context)) return;
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(REQUEST_ID_HEADER, context.requestId);
    for (const [name, value] of Object.entries(context.forwardHeaders as Record<string, string>)) headers.set(name, value);
  }
}
