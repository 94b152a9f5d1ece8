import { configSchema, type Config } from '@iris/core';

/** What `pnpm start:<service>` can start, one process each. */
export const SERVICES = ['gateway', 'identity', 'profiles', 'devices', 'analytics', 'worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const isService = (name: string | undefined): name is ServiceName => SERVICES.includes(name as ServiceName);

export interface MissingVariable {
  /** The variable to set (or its alternatives, `JWT_PUBLIC_KEY or JWT_JWKS_URL`). */
  variable: string;
  /** What the service needs it for. */
  why: string;
}

const TOKENS_VERIFIED: MissingVariable = {
  variable: 'JWT_PUBLIC_KEY or JWT_JWKS_URL',
  why: "to verify access tokens with identity's key (identity serves its JWKS at /.well-known/jwks.json)",
};
const DATABASE: MissingVariable = {
  variable: 'DATABASE_URL',
  why: 'the PostgreSQL server every instance shares (alone, a service has no embedded database)',
};
const REDIS: MissingVariable = { variable: 'REDIS_URL', why: 'the event bus and job queue that reach the other processes' };
const GATEWAY_SECRET_TO_SEND: MissingVariable = {
  variable: 'GATEWAY_SECRET',
  why: 'sent to every subgraph, which describes its schema only to its holder (required when NODE_ENV=production)',
};
const GATEWAY_SECRET_TO_CHECK: MissingVariable = {
  variable: 'GATEWAY_SECRET',
  why: "the gateway's credential: only its holder may read this subgraph's schema and introspect it (required when NODE_ENV=production)",
};

/** The values secrets take when unset: public, so never a production secret. */
const DEFAULTS = configSchema.parse({});
const setByOperator = (config: Config, key: 'PAYMENT_WEBHOOK_SECRET' | 'URL_SIGNING_SECRET') =>
  config[key] === DEFAULTS[key] ? undefined : config[key];

/**
 * The secrets each service itself uses, required when NODE_ENV=production: the gateway sends
 * GATEWAY_SECRET and every subgraph checks it; every subgraph seals its page cursors with
 * URL_SIGNING_SECRET, with which devices also signs upload, media and stream URLs; identity verifies
 * the payment provider's callbacks. The worker serves no GraphQL and signs nothing. Devices encrypts
 * webhook signing secrets under WEBHOOK_SECRET_KEY, optional: without it, under a key derived from
 * URL_SIGNING_SECRET (so no deployment needs one more secret; one that sets it keeps the key in devices alone).
 * (`loadConfig` also refuses production without the secrets of the whole deployment; this list is
 * what each process cannot do without, so each names its own with what it is for.)
 */
function missingProductionSecrets(service: ServiceName, config: Config): MissingVariable[] {
  if (config.NODE_ENV !== 'production' || service === 'worker') return [];
  const missing: MissingVariable[] = [];
  if (config.GATEWAY_SECRET === undefined) missing.push(service === 'gateway' ? GATEWAY_SECRET_TO_SEND : GATEWAY_SECRET_TO_CHECK);
  if (service === 'identity' && setByOperator(config, 'PAYMENT_WEBHOOK_SECRET') === undefined) {
    missing.push({
      variable: 'PAYMENT_WEBHOOK_SECRET',
      why: "the payment provider's key for the order status callbacks identity verifies (required when NODE_ENV=production)",
    });
  }
  if (service !== 'gateway' && setByOperator(config, 'URL_SIGNING_SECRET') === undefined) {
    const uses =
      service === 'devices'
        ? 'signs upload, media and stream URLs and seals page cursors with'
        : 'seals page cursors with, so a cursor one instance gave opens on every other';
    missing.push({ variable: 'URL_SIGNING_SECRET', why: `the key ${service} ${uses} (required when NODE_ENV=production)` });
  }
  return missing;
}

/**
 * What a service started alone cannot do without, beyond the defaults every variable has. In one
 * process (`pnpm start`) everything has a local default: the subgraphs' addresses, an embedded
 * database, an in-process bus, generated keys. A service alone has none of these to share, so it
 * names what is missing and does not start. With NODE_ENV=production it also needs the secrets it
 * uses (see {@link missingProductionSecrets}).
 */
export function missingVariables(service: ServiceName, config: Config): MissingVariable[] {
  const missing: MissingVariable[] = [];
  const need = (present: unknown, requirement: MissingVariable) => {
    if (present === undefined) missing.push(requirement);
  };
  const verifiesTokens = () => need(config.JWT_PUBLIC_KEY ?? config.JWT_JWKS_URL, TOKENS_VERIFIED);
  switch (service) {
    case 'gateway':
      need(config.IDENTITY_URL, {
        variable: 'IDENTITY_URL',
        why: 'where the identity subgraph answers, e.g. http://identity:4001/graphql',
      });
      need(config.PROFILES_URL, {
        variable: 'PROFILES_URL',
        why: 'where the profiles subgraph answers, e.g. http://profiles:4002/graphql',
      });
      need(config.DEVICES_URL, { variable: 'DEVICES_URL', why: 'where the devices subgraph answers, e.g. http://devices:4003/graphql' });
      need(config.ANALYTICS_URL, {
        variable: 'ANALYTICS_URL',
        why: 'where the analytics subgraph answers, e.g. http://analytics:4004/graphql',
      });
      need(config.REDIS_URL, { variable: 'REDIS_URL', why: "identity's token revocations, and rate limits shared by every gateway" });
      verifiesTokens();
      break;
    case 'identity':
      need(config.DATABASE_URL, DATABASE);
      need(config.REDIS_URL, REDIS);
      need(config.JWT_PRIVATE_KEY, { variable: 'JWT_PRIVATE_KEY', why: 'the PKCS#8 ES256 key identity signs access tokens with' });
      need(config.JWT_PUBLIC_KEY, {
        variable: 'JWT_PUBLIC_KEY',
        why: 'the SPKI key of JWT_PRIVATE_KEY, published at /.well-known/jwks.json',
      });
      break;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: devices needs what every subgraph needs, and more
    case 'devices':
      need(config.PUBLIC_URL, { variable: 'PUBLIC_URL', why: "the gateway's public address, which signed upload and media URLs point at" });
    case 'profiles':
    case 'analytics':
      need(config.DATABASE_URL, DATABASE);
      need(config.REDIS_URL, REDIS);
      verifiesTokens();
      break;
    case 'worker':
      need(config.DATABASE_URL, DATABASE);
      need(config.REDIS_URL, { variable: 'REDIS_URL', why: 'the analysis job queue the worker takes its jobs from' });
      break;
  }
  return [...missing, ...missingProductionSecrets(service, config)];
}

/** The message a service prints before exiting: each missing variable on its own line, with its use. */
export const describeMissing = (service: ServiceName, missing: MissingVariable[]) =>
  `Cannot start ${service}: missing configuration\n${missing.map((m) => `  ${m.variable}: required, ${m.why}`).join('\n')}`;
