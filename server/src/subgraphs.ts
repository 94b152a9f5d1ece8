import { createAnalyticsSubgraph } from '@iris/analytics';
import {
  AccessTokenVerifier,
  followRevocations,
  InProcessEventBus,
  RedisEventBus,
  REQUEST_ID_HEADER,
  startSubgraphServer,
  useCursorSecret,
  type BlobStorage,
  type Config,
  type EventBus,
  type Logger,
  type RunningServer,
  type SubgraphDefinition,
  type SubgraphName,
  type TokenKeys,
} from '@iris/core';
import type { Database } from '@iris/db';
import { createDevicesSubgraph } from '@iris/devices';
import { createIdentitySubgraph } from '@iris/identity';
import { createProfilesSubgraph } from '@iris/profiles';

export { SUBGRAPH_NAMES, type SubgraphName } from '@iris/core';

/** What every subgraph is built from, in one process or alone. */
export interface SubgraphDeps {
  config: Config;
  logger: Logger;
  database: Database;
  bus: EventBus;
  storage: BlobStorage;
  /** The signing keys; only identity needs them (the others verify tokens through the verifier). */
  keys?: TokenKeys;
  /** The gateway's public address, for signed URLs. */
  publicUrl: () => string;
  clock?: () => Date;
}

/**
 * Each subgraph's factory with its dependencies picked from {@link SubgraphDeps}: the one place that
 * knows what each subgraph needs, for `pnpm start` (all four in one process) and `pnpm start:<name>`.
 */
export const createSubgraph = {
  identity: (deps: SubgraphDeps) =>
    createIdentitySubgraph({
      prisma: deps.database.prisma,
      config: deps.config,
      keys: requireKeys(deps.keys),
      bus: deps.bus,
      logger: deps.logger.child({ subgraph: 'identity' }),
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  profiles: (deps: SubgraphDeps) =>
    createProfilesSubgraph({ prisma: deps.database.prisma, bus: deps.bus, logger: deps.logger.child({ subgraph: 'profiles' }) }),
  devices: (deps: SubgraphDeps) =>
    createDevicesSubgraph({
      prisma: deps.database.prisma,
      bus: deps.bus,
      storage: deps.storage,
      config: deps.config,
      logger: deps.logger.child({ subgraph: 'devices' }),
      publicUrl: deps.publicUrl,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  analytics: (deps: SubgraphDeps, options: { runsJobs?: boolean } = {}) =>
    createAnalyticsSubgraph({
      prisma: deps.database.prisma,
      bus: deps.bus,
      storage: deps.storage,
      config: deps.config,
      logger: deps.logger.child({ subgraph: 'analytics' }),
      ...options,
    }),
} satisfies Record<SubgraphName, (deps: SubgraphDeps) => SubgraphDefinition>;

/** The event bus: Redis when REDIS_URL is set (events reach every instance), else in this process. */
export const openEventBus = (config: Config, logger: Logger): EventBus =>
  config.REDIS_URL
    ? new RedisEventBus(config.REDIS_URL, logger.child({ component: 'events' }), `${config.REDIS_PREFIX}events:`)
    : new InProcessEventBus(logger.child({ component: 'events' }));

/** Access tokens are checked against identity's JWKS (JWT_JWKS_URL) or the public key in `keys`. */
export const createVerifier = (config: Config, keys: TokenKeys | undefined, clock?: () => Date) =>
  config.JWT_JWKS_URL
    ? new AccessTokenVerifier({ jwksUrl: config.JWT_JWKS_URL }, config, clock)
    : new AccessTokenVerifier({ keys: requireKeys(keys) }, config, clock);

function requireKeys(keys: TokenKeys | undefined): TokenKeys {
  if (!keys) throw new Error('No token keys: set JWT_PUBLIC_KEY (and JWT_PRIVATE_KEY for identity), or JWT_JWKS_URL.');
  return keys;
}

/**
 * Every process refuses revoked tokens: identity's revocations arrive on the bus (and, on Redis, those
 * of the last token lifetime are read at start). Returns the function that stops following them.
 */
export const followTokenRevocations = (config: Config, bus: EventBus, verifier: AccessTokenVerifier, logger: Logger) =>
  followRevocations(bus, verifier.revocations, {
    lookbackMs: Math.max(config.ACCESS_TOKEN_TTL_SECONDS, config.API_KEY_TOKEN_TTL_SECONDS) * 1000,
    logger: logger.child({ component: 'revocations' }),
  });

/** One subgraph's HTTP server: `/graphql`, `/healthz`, and `/readyz` (which pings the database). */
export const serveSubgraph = (
  definition: SubgraphDefinition,
  deps: { config: Config; logger: Logger; database: Database; verifier: AccessTokenVerifier },
  listen: { host: string; port: number },
): Promise<RunningServer> => {
  // Cursors are sealed with a key every instance derives from the same secret, so a page's cursor
  // opens on whichever instance serves the next page.
  useCursorSecret(deps.config.URL_SIGNING_SECRET, deps.config.URL_SIGNING_SECRET_PREVIOUS);
  return startSubgraphServer(
    {
      ...definition,
      routes: (app) => {
        // A request's statements are its own (see Database.onBehalfOf), once its body is read: the
        // handler and everything it awaits run inside.
        app.addHook('preHandler', (request, _reply, done) => {
          const requestId = request.headers[REQUEST_ID_HEADER];
          deps.database.onBehalfOf(typeof requestId === 'string' ? requestId : undefined, done);
        });
        definition.routes?.(app);
      },
      logger: deps.logger.child({ subgraph: definition.name }),
      verifier: deps.verifier,
      checkReady: deps.database.ping,
      introspection: deps.config.NODE_ENV !== 'production',
      ...(deps.config.GATEWAY_SECRET ? { gatewaySecret: deps.config.GATEWAY_SECRET } : {}),
      metrics: deps.config.METRICS,
    },
    listen,
  );
};

/** The port each subgraph listens on, from IDENTITY_PORT, PROFILES_PORT, DEVICES_PORT, ANALYTICS_PORT. */
export const subgraphPort = (config: Config, name: SubgraphName): number =>
  ({ identity: config.IDENTITY_PORT, profiles: config.PROFILES_PORT, devices: config.DEVICES_PORT, analytics: config.ANALYTICS_PORT })[
    name
  ];
