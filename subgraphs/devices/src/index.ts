import {
  loadSubgraphTypeDefs,
  UrlSigner,
  type BlobStorage,
  type Config,
  type EventBus,
  type Logger,
  type SubgraphDefinition,
} from '@iris/core';
import { Outbox, scopedClient, type Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createDevicesSubgraphData } from './data/index.js';
import { seedDevices } from './data/seed.js';
import { listenToEvents } from './events.js';
import { resolvers } from './resolvers/index.js';
import { createServices } from './services/index.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface DevicesDeps {
  prisma: Db;
  bus: EventBus;
  storage: BlobStorage;
  config: Config;
  logger: Logger;
  /** The gateway's public address, for signed URLs (known once the gateway listens). */
  publicUrl: () => string;
  clock?: () => Date;
}

/** The devices subgraph: groups, devices and sharing, modes, captures, marks, notifications, retention. */
export function createDevicesSubgraph(deps: DevicesDeps): SubgraphDefinition<Context> & { sweepRetention: () => Promise<unknown> } {
  const db = scopedClient(deps.prisma, 'devices');
  const data = createDevicesSubgraphData(db);
  const clock = deps.clock ?? (() => new Date());
  const outbox = new Outbox({ prisma: db, bus: deps.bus, source: 'devices', logger: deps.logger });
  const services = createServices({
    ...deps,
    data,
    outbox,
    signer: new UrlSigner(deps.config.URL_SIGNING_SECRET, deps.config.URL_SIGNING_SECRET_PREVIOUS),
    clock,
  });
  return {
    name: 'devices',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, services),
    listen: () => {
      // The relay publishes this subgraph's committed events: at once after each commit here, and what
      // another instance left behind.
      outbox.start();
      const stop = listenToEvents(deps.bus, services, db);
      const sweep = setInterval(() => {
        services.retention.sweep().catch((err: unknown) => deps.logger.error({ err }, 'retention purge failed'));
      }, deps.config.RETENTION_SWEEP_SECONDS * 1000);
      sweep.unref();
      services.delivery.start();
      return async () => {
        clearInterval(sweep);
        stop();
        // Attempts in flight are finished and recorded, so none is left claimed until its lease ends.
        await services.delivery.stop();
        await outbox.stop();
      };
    },
    sweepRetention: () => services.retention.sweep(),
    seedDemoData: () => seedDevices(db),
    routes: (app) => {
      // Upload and media URLs are signed: the signature, not a token, is the credential.
      void app.register(async (scope) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 33 * 1024 * 1024 }, (_request, body, done) => done(null, body));
        scope.put('/uploads/captures/*', async (request, reply) => {
          const url = new URL(request.url, 'http://local');
          const result = await services.captures.receiveUpload(
            url.pathname,
            request.query as Record<string, unknown>,
            request.body as Buffer,
          );
          return reply.code(result.status).send(result.body);
        });
      });
      app.get('/media/captures/:id', async (request, reply) => {
        const url = new URL(request.url, 'http://local');
        const result = await services.captures.media(url.pathname, request.query as Record<string, unknown>);
        if (result.contentType) void reply.header('content-type', result.contentType).header('cache-control', 'private, max-age=300');
        return reply.code(result.status).send(result.body);
      });
    },
  };
}
