/**
 * The stock Apollo gateway: `ApolloServer` + `ApolloGateway` on default settings (standalone server),
 * with a `RemoteGraphQLDataSource` that only forwards `authorization` to the subgraphs.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { serveParent, subgraphUrls, supergraphSdl } from './child.js';

// Resolved from the gateway package, which depends on them (so both share one `graphql`).
const require = createRequire(new URL('../../gateway/package.json', import.meta.url));
const load = async (name: string) => import(pathToFileURL(require.resolve(name)).href);
const { ApolloGateway, RemoteGraphQLDataSource } = (await load(
  '@apollo/gateway',
)) as typeof import('../../gateway/node_modules/@apollo/gateway/dist/index.js');
const { ApolloServer } = (await load('@apollo/server')) as typeof import('../../gateway/node_modules/@apollo/server/dist/esm/index.js');
const { startStandaloneServer } = (await load(
  '@apollo/server/standalone',
)) as typeof import('../../gateway/node_modules/@apollo/server/dist/esm/standalone/index.js');

process.env.APOLLO_TELEMETRY_DISABLED = 'true';
interface Context {
  authorization?: string;
}
class AuthorizationDataSource extends RemoteGraphQLDataSource<Context> {
  override willSendRequest({
    request,
    context,
  }: {
    request: { http?: { headers: { set: (n: string, v: string) => void } } };
    context: Context;
  }) {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
  }
}
const gateway = new ApolloGateway({
  supergraphSdl: supergraphSdl(subgraphUrls()),
  buildService: ({ url }) => new AuthorizationDataSource({ url }),
});
const server = new ApolloServer<Context>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: 0 },
  context: async ({ req }: { req: IncomingMessage }) => ({ authorization: req.headers.authorization }),
});
serveParent({ type: 'ready', url: new URL('/graphql', url).href.replace('localhost', '127.0.0.1') }, () => server.stop());
