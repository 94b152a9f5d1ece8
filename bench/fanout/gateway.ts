/**
 * One gateway of the fan-out benchmark: Apollo Server (standalone) with @apollo/gateway, its plans run
 * by @apollo/gateway's executor (BENCH_EXECUTOR=apollo) or by Iris's engine (iris). Everything else is
 * the same: the supergraph and the server; the engine fetches through its direct subgraph clients
 * (`createHttpSubgraphClient`), the stock executor through RemoteGraphQLDataSource.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createGateway, createHttpSubgraphClient, type SubgraphClient } from '../../gateway/src/engine/index.js';
import { serveParent } from '../gateways/child.js';
import { fanoutSupergraph } from './graph.js';

// Resolved from the gateway package, which depends on them (so both share one `graphql`).
const require = createRequire(new URL('../../gateway/package.json', import.meta.url));
const load = async (name: string) => import(pathToFileURL(require.resolve(name)).href);
const { RemoteGraphQLDataSource } = (await load(
  '@apollo/gateway',
)) as typeof import('../../gateway/node_modules/@apollo/gateway/dist/index.js');
const { ApolloServer } = (await load('@apollo/server')) as typeof import('../../gateway/node_modules/@apollo/server/dist/esm/index.js');
const { startStandaloneServer } = (await load(
  '@apollo/server/standalone',
)) as typeof import('../../gateway/node_modules/@apollo/server/dist/esm/standalone/index.js');

process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const executor = process.env.BENCH_EXECUTOR === 'iris' ? 'iris' : 'apollo';
const urls = JSON.parse(process.env.BENCH_SUBGRAPHS ?? '{}') as Record<string, string>;
// The engine calls each subgraph through its direct client (BENCH_ENGINE_CLIENT=false: the data sources too).
const clients = new Map<string, SubgraphClient>();
const gateway = createGateway(
  { supergraphSdl: fanoutSupergraph(urls), buildService: ({ url }) => new RemoteGraphQLDataSource({ url }) },
  executor,
  process.env.BENCH_ENGINE_CLIENT === 'false'
    ? {}
    : {
        subgraphClients: (name, url) => {
          if (!url) return undefined;
          if (!clients.has(name)) clients.set(name, createHttpSubgraphClient({ url }));
          return clients.get(name);
        },
      },
);
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
serveParent({ type: 'ready', url: new URL('/graphql', url).href.replace('localhost', '127.0.0.1') }, () => server.stop());
