import {
  loadSubgraphTypeDefs,
  publicJwks,
  type Config,
  type EventBus,
  type Logger,
  type SubgraphDefinition,
  type TokenKeys,
} from '@iris/core';
import { Outbox, scopedClient, type Db } from '@iris/db';
import { createContextFactory, type Context } from './context.js';
import { createIdentityData } from './data/index.js';
import { seedIdentity } from './data/seed.js';
import { listenToEvents } from './events.js';
import { resolvers } from './resolvers/index.js';
import { createServices } from './services/index.js';
import { SIGNATURE_HEADER } from './services/plans.js';
import type { VerificationSender } from './services/sender.js';

export const typeDefs = loadSubgraphTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface IdentityDeps {
  prisma: Db;
  config: Config;
  keys: TokenKeys;
  bus: EventBus;
  logger: Logger;
  clock?: () => Date;
  /** Where verification codes go; the outbox table by default. */
  sender?: VerificationSender;
}

/** The identity subgraph: accounts, sign-in, apps and API keys, storage plans. It alone signs tokens. */
export function createIdentitySubgraph(deps: IdentityDeps): SubgraphDefinition<Context> {
  const db = scopedClient(deps.prisma, 'identity');
  const data = createIdentityData(db);
  const outbox = new Outbox({ prisma: db, bus: deps.bus, source: 'identity', logger: deps.logger });
  const services = createServices({ ...deps, data, outbox, clock: deps.clock ?? (() => new Date()) });
  return {
    name: 'identity',
    typeDefs,
    resolvers,
    createContext: createContextFactory(data, services),
    // The relay publishes identity's committed events (users, revocations): at once after each commit
    // here, and what another instance left behind.
    listen: () => {
      outbox.start();
      const stop = listenToEvents(deps.bus, services);
      return async () => {
        stop();
        await outbox.stop();
      };
    },
    seedDemoData: () => seedIdentity(db),
    routes: (app) => {
      app.get('/.well-known/jwks.json', async () => publicJwks(deps.keys));
      // The payment provider's callback needs the raw body to check its signature.
      void app.register(async (scope) => {
        // Signatures are over the exact bytes sent: keep the body raw, whatever its type.
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
        scope.post('/webhooks/payments', async (request, reply) => {
          const header = request.headers[SIGNATURE_HEADER];
          const result = await services.plans.handlePaymentWebhook(request.body as Buffer, Array.isArray(header) ? header[0] : header);
          return reply.code(result.status).send(result.body);
        });
      });
    },
  };
}

export { hashPassword } from './services/passwords.js';
export { signWebhook, SIGNATURE_HEADER } from './services/plans.js';
export type { VerificationMessage, VerificationSender } from './services/sender.js';
