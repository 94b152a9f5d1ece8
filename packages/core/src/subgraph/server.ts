import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { parse, type DocumentNode } from 'graphql';
import { secureResolvers } from '../auth/policy.js';
import type { AuthState } from '../auth/principal.js';
import type { AccessTokenVerifier } from '../auth/tokens.js';
import { logUnexpectedErrors, maskError } from '../errors.js';
import { gracefulClose } from '../gracefulClose.js';
import { rejectNulCharacters } from '../validation.js';
import { registerHttpErrorHandlers } from '../httpErrors.js';
import { guardEntityRepresentations } from './entities.js';
import { schemaDetailsOnlyForGateway, withoutSuggestions } from './schemaDetails.js';
import { serveSubscriptions } from './websocket.js';
import { REQUEST_ID_HEADER, type Logger } from '../logger.js';
import { observabilityPlugins } from '../telemetry/index.js';

/** What every subgraph's per-request context starts from. */
export interface RequestContext {
  requestId: string;
  logger: Logger;
  auth: AuthState;
}

/**
 * What every subgraph declares the same way: the auth directives, `PageInfo` and `DateTime`.
 * Written once here (`shared.graphql`) and put in front of each subgraph's own SDL.
 */
export const SHARED_SDL_FILE = new URL('./shared.graphql', import.meta.url);
export const sharedTypeDefs = readFileSync(SHARED_SDL_FILE, 'utf8');

/** A subgraph's SDL as the server and the composer see it: the shared SDL, then its `schema.graphql`. */
export function loadSubgraphTypeDefs(schemaFile: URL): DocumentNode {
  return parse(`${sharedTypeDefs}\n${readFileSync(schemaFile, 'utf8')}`);
}

export interface SubgraphServerOptions<Context extends RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: object;
  logger: Logger;
  verifier: AccessTokenVerifier;
  /** Extends the base context with the subgraph's loaders and data layer. */
  createContext: (base: RequestContext) => Context | Promise<Context>;
  /** Throws when a dependency (the database) is unreachable; drives `/readyz`. */
  checkReady: () => Promise<void>;
  introspection?: boolean;
  /**
   * `GATEWAY_SECRET`: with it, `_service { sdl }` and introspection answer only the gateway, whatever
   * `introspection` says (see `schemaDetails.ts`).
   */
  gatewaySecret?: string;
  /** Operation metrics on the shared registry (`METRICS`, on by default). */
  metrics?: boolean;
  /** Extra HTTP routes (identity serves its JWKS). */
  routes?: (app: FastifyInstance) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * One subgraph process-part: its federated schema with the auth policy applied, behind Fastify, with
 * `/graphql`, `/healthz` and `/readyz`.
 */
export async function startSubgraphServer<Context extends RequestContext>(
  options: SubgraphServerOptions<Context>,
  listen: { host: string; port: number },
): Promise<RunningServer> {
  const { logger } = options;
  const schema = buildSubgraphSchema({
    typeDefs: options.typeDefs,
    // The resolver map is typed per subgraph by codegen; here it is only passed through.
    resolvers: secureResolvers(options.typeDefs, options.resolvers as Record<string, Record<string, unknown>>) as never,
  });
  guardEntityRepresentations(schema, options.typeDefs);
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  const closeHttp = gracefulClose(app);
  registerHttpErrorHandlers(app, (err) => logger.error({ err }, 'unexpected error'));
  // Whether anyone may see the schema; the gateway, holding the secret, always may.
  const publicIntrospection = !options.gatewaySecret && (options.introspection ?? true);
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: publicIntrospection || options.gatewaySecret !== undefined,
    // "Did you mean …" names schema details: off wherever introspection is.
    hideSchemaDetailsFromClientErrors: !publicIntrospection,
    includeStacktraceInErrorResponses: false,
    // Masked here; logged with the request id by `logUnexpectedErrors`.
    formatError: (formatted, error) => {
      const masked = maskError(formatted, error, () => {});
      return publicIntrospection ? masked : withoutSuggestions(masked);
    },
    // Inline tracing (ftv1) is for Apollo's hosted usage reporting, which Iris does not use; cache hints
    // (a hook around every resolver) are for response caches, which Iris does not have either.
    plugins: [
      ...(options.gatewaySecret ? [schemaDetailsOnlyForGateway<Context>(options.gatewaySecret)] : []),
      fastifyApolloDrainPlugin(app),
      requestIdInErrors<Context>(),
      logUnexpectedErrors<Context>(),
      rejectNulCharacters<Context>(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ...observabilityPlugins<Context>(options.name, { metrics: options.metrics }),
    ],
  });
  await apollo.start();

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await options.checkReady();
      return { status: 'ready' };
    } catch (err) {
      logger.warn({ err }, 'not ready');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  options.routes?.(app);
  await app.register(fastifyApollo(apollo), {
    path: '/graphql',
    context: async (request: FastifyRequest) => {
      const requestId = headerValue(request, REQUEST_ID_HEADER) ?? randomUUID();
      const auth = await options.verifier.authenticate(request.headers);
      return options.createContext({ requestId, logger: logger.child({ requestId }), auth });
    },
  });

  const stopSubscriptions = schema.getSubscriptionType()
    ? serveSubscriptions({ server: app.server, schema, verifier: options.verifier, logger, createContext: options.createContext })
    : async () => {};
  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  const url = `http://${listen.host}:${port}/graphql`;
  logger.info({ url }, `${options.name} subgraph ready`);
  return {
    url,
    port,
    close: async () => {
      await stopSubscriptions();
      await closeHttp();
    },
  };
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Puts the request id on masked errors so a person reporting one can quote it. */
function requestIdInErrors<Context extends RequestContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.code === 'INTERNAL_SERVER_ERROR') {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}
