/**
 * Serves any Federation 2 supergraph file through the engine, with none of Iris's own concerns
 * (authentication, limits, subscriptions): POST/GET /graphql, and GET /healthz. The headers of each
 * request go on to the subgraphs as they came, but for those that belong to one hop (connection,
 * host, content length and encoding).
 *
 *   pnpm gateway:serve --supergraph schema/supergraph.graphql --port 4000 [--host 127.0.0.1] [--executor iris|apollo]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify from 'fastify';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpSubgraphClient, type SubgraphClient } from './client.js';
import { createGateway, type GatewayExecutorKind } from './gateway.js';
import { registerGraphQLRoute } from './http.js';
import { contextOfRequest, registerIncrementalDelivery, rememberContext } from './multipart.js';
import { requireResolvedOperation } from './operationResolution.js';
import { stringifyResult } from './passThrough.js';

interface ServeContext {
  headers: IncomingHttpHeaders;
}

/** Headers that describe one connection or one body, not the request: never forwarded. */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'accept-encoding',
  'accept',
  'expect',
]);

/** The caller's headers that go on to the subgraphs, by lower-case name. */
function forwardedHeaders(context: ServeContext | undefined): Record<string, string> | undefined {
  const headers = context?.headers;
  if (!headers) return undefined;
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_HEADERS.has(name)) continue;
    forwarded[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return forwarded;
}

class HeaderForwardingDataSource extends RemoteGraphQLDataSource<ServeContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<ServeContext>) {
    const forwarded = forwardedHeaders(context as ServeContext | undefined);
    if (!forwarded || !request.http) return;
    for (const [name, value] of Object.entries(forwarded)) request.http.headers.set(name, value);
  }
}

/** An error as the client reads it, without the stack trace a subgraph in development mode puts in its extensions. */
function withoutStacktrace(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

export interface ServeOptions {
  supergraphSdl: string;
  host?: string;
  port?: number;
  executor?: GatewayExecutorKind;
}

export interface ServingGateway {
  url: string;
  close(): Promise<void>;
}

export async function serveSupergraph({
  supergraphSdl,
  host = '127.0.0.1',
  port = 4000,
  executor = 'iris',
}: ServeOptions): Promise<ServingGateway> {
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  // The engine calls the subgraphs directly; the data sources serve the stock executor and schema checks.
  const clients = new Map<string, SubgraphClient>();
  const gateway = createGateway({ supergraphSdl, buildService: ({ url }) => new HeaderForwardingDataSource({ url }) }, executor, {
    subgraphClients: (name, url) => {
      if (!url) return undefined;
      const key = `${name}\u0000${url}`;
      let client = clients.get(key);
      if (!client)
        clients.set(key, (client = createHttpSubgraphClient({ url, headers: (context) => forwardedHeaders(context as ServeContext) })));
      return client;
    },
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  const apollo = new ApolloServer<ServeContext>({
    gateway,
    introspection: true,
    stringifyResult,
    // Errors name no file of this machine, nor of a subgraph's; the command stops on SIGINT/SIGTERM itself.
    includeStacktraceInErrorResponses: false,
    formatError: withoutStacktrace,
    stopOnTerminationSignals: false,
    plugins: [fastifyApolloDrainPlugin(app), requireResolvedOperation()],
  });
  await apollo.start();
  app.get('/healthz', async () => ({ status: 'ok', executor }));
  // @defer: the first payload from Apollo Server, the deferred parts streamed after it (multipart/mixed).
  registerIncrementalDelivery<ServeContext>(app, { path: '/graphql', contextOf: contextOfRequest, formatError: withoutStacktrace });
  registerGraphQLRoute(app, {
    apollo,
    path: '/graphql',
    schema: () => apiSchema,
    context: async (request) => rememberContext(request, { headers: request.headers }),
  });
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/graphql`,
    close: async () => {
      await app.close();
      await apollo.stop();
    },
  };
}

const USAGE = 'usage: pnpm gateway:serve --supergraph <file> [--port 4000] [--host 127.0.0.1] [--executor iris|apollo]';

function usage(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let values: { supergraph?: string; port: string; host: string; executor?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        supergraph: { type: 'string' },
        port: { type: 'string', default: '4000' },
        host: { type: 'string', default: '127.0.0.1' },
        executor: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) {
    console.log(
      `Serves a Federation 2 supergraph through Iris's engine: POST/GET /graphql (@defer over multipart/mixed), GET /healthz.\n${USAGE}`,
    );
    process.exit(0);
  }
  if (!values.supergraph) usage('--supergraph <file> is required');
  if (!/^[0-9]{1,5}$/.test(values.port) || Number(values.port) > 65535) usage(`--port must be a port number, not "${values.port}"`);
  const port = Number(values.port);
  const executor = values.executor ?? process.env.GATEWAY_EXECUTOR ?? 'iris';
  if (executor !== 'iris' && executor !== 'apollo') usage(`--executor must be "iris" or "apollo", not "${executor}"`);
  let supergraphSdl = '';
  try {
    supergraphSdl = readFileSync(values.supergraph, 'utf8');
  } catch (err) {
    usage(`cannot read ${values.supergraph}: ${(err as Error).message}`);
  }
  let served: ServingGateway;
  try {
    served = await serveSupergraph({ supergraphSdl, host: values.host, port, executor });
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const reason =
      code === 'EADDRINUSE'
        ? `${values.host}:${port} is already in use`
        : code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL'
          ? `cannot listen on ${values.host}`
          : `${values.supergraph} is not a supergraph it can serve: ${message}`;
    console.error(`gateway:serve: ${reason}`);
    process.exit(1);
  }
  console.log(
    `serving ${values.supergraph} at ${served.url} (executor: ${executor}; health: ${served.url.replace(/\/graphql$/, '/healthz')})`,
  );
  const stop = () => void served.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
