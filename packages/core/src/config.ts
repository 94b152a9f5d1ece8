import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The supergraph `pnpm compose` writes and the gateway serves unless SUPERGRAPH_PATH names another. */
export const SUPERGRAPH_FILE = new URL('../../../schema/supergraph.graphql', import.meta.url);

/**
 * Secrets with a default so that Iris runs out of the box. They are public (printed here), so
 * production refuses them (see {@link loadConfig}).
 */
const DEVELOPMENT_SECRETS = {
  PAYMENT_WEBHOOK_SECRET: 'iris-development-webhook-secret',
  URL_SIGNING_SECRET: 'iris-development-url-signing-secret',
} as const;

/** Comma-separated secrets (earlier values of a rotated secret), each at least 16 characters. */
const secretList = z
  .string()
  .transform((raw, ctx) => {
    const secrets = raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    if (secrets.some((secret) => secret.length < 16)) {
      ctx.addIssue({ code: 'custom', message: 'must be comma-separated secrets of at least 16 characters each' });
      return z.NEVER;
    }
    return secrets;
  })
  .default([]);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);

/**
 * Everything Iris reads from the environment, parsed once at start. A bad value stops the process
 * with a message that names the variable (see {@link loadConfig}).
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` (readable lines) or `json`; unset: pretty when stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  /** Where the gateway listens; `localhost` answers on both IPv4 and IPv6 loopback. */
  HOST: z.string().default('localhost'),
  PORT: port.default(4000),
  IDENTITY_PORT: port.default(4001),
  PROFILES_PORT: port.default(4002),
  DEVICES_PORT: port.default(4003),
  ANALYTICS_PORT: port.default(4004),
  /** Where the analysis worker (`pnpm start:worker`) answers `/healthz` and `/readyz`. */
  WORKER_PORT: port.default(4005),
  /** Where the gateway reaches each subgraph; defaults to the local ports above. */
  IDENTITY_URL: z.url().optional(),
  PROFILES_URL: z.url().optional(),
  DEVICES_URL: z.url().optional(),
  ANALYTICS_URL: z.url().optional(),
  /** A PostgreSQL server. Without it Iris runs on embedded PostgreSQL (PGlite). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Embedded database files; `memory` keeps nothing on disk. */
  IRIS_DATA_DIR: z.string().default('.iris-data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  /** Prefix of every Redis key Iris uses, so several deployments can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w:.-]+$/, 'may hold letters, digits and _ : . -')
    .default('iris:'),
  /** PEM (PKCS#8) private key that identity signs access tokens with, ES256. */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** PEM (SPKI) public key every subgraph verifies access tokens with. */
  JWT_PUBLIC_KEY: z.string().optional(),
  /** Or a JWKS URL (identity serves one at /.well-known/jwks.json). */
  JWT_JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().default('iris'),
  JWT_AUDIENCE: z.string().default('iris-graph'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 86_400),
  /** The document's one-time account token: "90 seconds is one of the suggested options". */
  LOGIN_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(3_600).default(90),
  VERIFICATION_CODE_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(600),
  /** Wrong guesses a verification code survives. */
  VERIFICATION_CODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** Codes one email can be sent per hour. */
  VERIFICATION_CODE_MAX_SENDS_PER_HOUR: z.coerce.number().int().min(1).max(100).default(5),
  /** Failed sign-ins before an email is locked, and for how long. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).default(900),
  /** How long an API key's traded access token lives (and how late a revocation can take effect). */
  API_KEY_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
  /**
   * After `rotateAppKey`, how long the previous app key keeps working beside the new one, so app servers
   * can be moved to the new key without downtime.
   */
  APP_KEY_ROTATION_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(86_400),
  /**
   * OpenID Connect providers accepted by `loginWithIdToken`, as JSON:
   * `[{ "issuer": "https://accounts.example.com", "audience": "iris", "jwksUrl": "https://.../jwks" }]`
   * (or `"jwks": { "keys": [...] }` inline).
   */
  OIDC_PROVIDERS: z
    .string()
    .transform((raw, ctx) => {
      try {
        return oidcProviders.parse(JSON.parse(raw));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be a JSON list of { issuer, audience, jwksUrl | jwks }: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .optional(),
  /** The shared secret the payment provider signs its status callbacks with (HMAC-SHA256). */
  PAYMENT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEVELOPMENT_SECRETS.PAYMENT_WEBHOOK_SECRET),
  /** The address clients reach the gateway at, for signed media and upload URLs (default: its own). */
  PUBLIC_URL: z.url().optional(),
  /**
   * Secret for signed media, upload and stream URLs, and (through a key derived from it for that use alone)
   * for sealing connection cursors, so a cursor one instance wrote opens on every other.
   */
  URL_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEVELOPMENT_SECRETS.URL_SIGNING_SECRET),
  /**
   * Earlier values of URL_SIGNING_SECRET, comma-separated, while it is being rotated: what was sealed or
   * signed with them (page cursors, scrollIDs, signed URLs, webhook signing secrets) is still accepted,
   * while everything new is sealed and signed with URL_SIGNING_SECRET only. Drop them once every
   * instance runs with the new secret and the old cursors and URLs have aged out.
   */
  URL_SIGNING_SECRET_PREVIOUS: secretList,
  /**
   * The key webhook signing secrets are encrypted with in the database (AES-256-GCM under a key derived
   * from it). Unset: a key derived from URL_SIGNING_SECRET for this use alone. Set it so that only the
   * devices service holds the key (every subgraph holds URL_SIGNING_SECRET); endpoints' secrets stored
   * under the URL_SIGNING_SECRET key, or under one of WEBHOOK_SECRET_KEY_PREVIOUS, are re-encrypted
   * under it when devices starts.
   */
  WEBHOOK_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Earlier values of WEBHOOK_SECRET_KEY, comma-separated, while it is being rotated (see WEBHOOK_SECRET_KEY). */
  WEBHOOK_SECRET_KEY_PREVIOUS: secretList,
  /**
   * The gateway's credential towards its subgraphs, sent by the gateway in `x-iris-gateway-secret`. With
   * it set, a subgraph answers `_service { sdl }` and introspection only to the gateway (required in
   * production; without it, outside production, subgraphs answer them to anyone, for local tools).
   */
  GATEWAY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Where live streams are served from; device stream URLs are signed paths under it. */
  STREAM_BASE_URL: z.url().default('https://stream.iris.local'),
  /** How often the retention job looks for expired captures and marks. */
  RETENTION_SWEEP_SECONDS: z.coerce.number().int().min(1).default(3_600),
  /** Retention for accounts without a plan. */
  DEFAULT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Captures analysed at once (each analysis uses a CPU core while it runs). */
  ANALYSIS_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * Worker threads that run face analysis, each holding its own copy of the models (about 60 MB), so
   * inference never runs on a server's event loop; 0 runs it on the event loop (a benchmark baseline).
   */
  ANALYSIS_THREADS: z.coerce.number().int().min(0).max(64).default(1),
  ANALYSIS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  ANALYSIS_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).default(2_000),
  /**
   * With Redis: how often, and after how long, a job recorded as queued but missing from the Redis queue
   * (its process stopped between recording and queueing it, or Redis lost it) is queued again.
   */
  ANALYSIS_SWEEP_MS: z.coerce.number().int().min(100).default(60_000),
  // Notifications that leave Iris (subgraphs/devices/src/services/delivery/).
  /**
   * The waits between a failed webhook or push attempt and the next, e.g. `5s,30s,2m,10m,1h` (units ms,
   * s, m, h): one attempt more than the schedule has waits, then the delivery is a dead letter.
   */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((raw, ctx) => {
      const waits = raw.split(',').map((part) => parseDuration(part.trim()));
      if (waits.length > 20 || waits.some((ms) => ms === null)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be 1 to 20 comma-separated durations such as `5s,30s,2m,10m,1h` (units ms, s, m, h)',
        });
        return z.NEVER;
      }
      return waits as number[];
    })
    .default([5_000, 30_000, 120_000, 600_000, 3_600_000]),
  /** How long one webhook POST may take before it counts as failed. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How often the delivery worker looks for deliveries that are due (new ones are sent at once). */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  /**
   * Webhook URLs may point at loopback, private, link-local and other non-public addresses (a guard
   * against server-side request forgery). Default: allowed outside production, refused in production.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: bool.optional(),
  /** FCM push: path of a Firebase service-account JSON file; push to FCM tokens is skipped without it. */
  FCM_SERVICE_ACCOUNT_PATH: z.string().min(1).optional(),
  /** APNs push (token-based): path of the `.p8` key, its key id, the team id and the app's bundle id; all four or none. */
  APNS_KEY_PATH: z.string().min(1).optional(),
  APNS_KEY_ID: z.string().min(1).optional(),
  APNS_TEAM_ID: z.string().min(1).optional(),
  APNS_BUNDLE_ID: z.string().min(1).optional(),
  /** APNs host: Apple's production service, or its sandbox (apps built for development). */
  APNS_PRODUCTION: bool.default(true),
  /** Schema introspection at the gateway (on by default except with NODE_ENV=production). */
  INTROSPECTION: bool.optional(),
  /**
   * Web origins allowed to call the gateway from a browser (CORS), comma-separated, e.g.
   * `https://app.example.com,https://admin.example.com`; `*` allows any. Outside production every
   * `http://localhost:<port>` and `http://127.0.0.1:<port>` origin is allowed besides these.
   */
  CORS_ORIGINS: z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((origin) => origin.trim().replace(/\/$/, ''))
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.union([
          z.literal('*'),
          z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin is scheme://host[:port], e.g. https://app.example.com'),
        ]),
      ),
    )
    .default([]),
  // Operation limits, checked at the gateway before any subgraph is called (gateway/src/policy/limits.ts).
  /** Deepest field nesting an operation may have. */
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  /** Aliases in one operation. */
  MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  /** Root fields in one operation. */
  MAX_ROOT_FIELDS: z.coerce.number().int().min(1).default(20),
  /** Directives in one operation. */
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  /** Lexical tokens in one document (the parser stops reading past it). */
  MAX_TOKENS: z.coerce.number().int().min(10).default(5_000),
  /** Size of the `query` text in bytes (variables are bounded by the body limit). */
  MAX_DOCUMENT_BYTES: z.coerce
    .number()
    .int()
    .min(256)
    .default(64 * 1024),
  /**
   * Estimated cost of one operation: each object costs 1 (scalars nothing), a connection multiplies what
   * is under it by `first`/`last`, a plain list by 10. The largest documented page of every connection,
   * with every field its nodes document, fits (gateway/src/policy/largestPages.test.ts).
   */
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(25_000),
  /** Operations in one batched HTTP request (a JSON array); 1 turns batching off. */
  MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  // Rate limits per principal: a user, an API key's app, or the client address when anonymous.
  /** Operations each principal may run per window (a batch counts each operation). */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(1).default(600),
  /** Operations per window for anonymous callers, by client address. */
  RATE_LIMIT_ANONYMOUS_POINTS: z.coerce.number().int().min(1).default(120),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /**
   * Sign-in, verification-code and password-recovery calls per client address per window (each alias
   * and each operation of a batch counts): 20 in production, 1000 elsewhere so a developer is not stopped.
   */
  RATE_LIMIT_SENSITIVE_POINTS: z.coerce.number().int().min(1).optional(),
  RATE_LIMIT_SENSITIVE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(600),
  /** Client addresses are taken from X-Forwarded-For only behind a proxy you trust (`true`, a hop count, or addresses). */
  TRUST_PROXY: z.string().optional(),
  /** Automatic persisted queries (hash-only requests after a first registration); on unless PERSISTED_OPERATIONS_ONLY. */
  APQ: bool.optional(),
  /**
   * A persisted-operations manifest (GraphQL Code Generator's `persisted-documents.json` map of hash to
   * document, or Apollo's `apollo-persisted-query-manifest`). Its operations can be sent by id.
   */
  PERSISTED_OPERATIONS_FILE: z.string().optional(),
  /** Trusted documents: only operations in PERSISTED_OPERATIONS_FILE run. */
  PERSISTED_OPERATIONS_ONLY: bool.default(false),
  // Calls from the gateway to subgraphs (gateway/src/upstream/).
  /** The composed supergraph the gateway serves; it is loaded again whenever the file changes. */
  SUPERGRAPH_PATH: z.string().min(1).default(fileURLToPath(SUPERGRAPH_FILE)),
  /**
   * What runs query plans: `iris` (gateway/src/engine, held to @apollo/gateway's results by a differential
   * test) or `apollo` (@apollo/gateway's own executor). Planning is @apollo/gateway's either way.
   */
  GATEWAY_EXECUTOR: z.enum(['apollo', 'iris']).default('iris'),
  /**
   * What answers `POST /graphql`: `iris` (gateway/src/engine/http.ts: a valid query or mutation sent as
   * JSON runs Apollo Server's plugins and the executor without Apollo Server's HTTP layer and request
   * pipeline, and anything else goes to Apollo Server) or `apollo` (Apollo Server answers every request).
   */
  GATEWAY_HTTP_HANDLER: z.enum(['apollo', 'iris']).default('iris'),
  /**
   * A subgraph call whose answer does not begin within this, or stalls this long, is abandoned with
   * SERVICE_UNAVAILABLE; a subscription socket to a subgraph not acknowledged, or a ping on it not
   * answered, within this is closed and its subscribers end with SERVICE_UNAVAILABLE.
   */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(50).default(10_000),
  /** Consecutive failures after which a subgraph is cut off, and for how long before one call tries it again. */
  SUBGRAPH_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  SUBGRAPH_BREAKER_RESET_MS: z.coerce.number().int().min(100).default(5_000),
  // Subscriptions at the gateway (gateway/src/subscriptions/).
  /** How often each subscriber's socket is pinged (one that has not answered the previous ping is dropped), and each subscription socket to a subgraph. */
  SUBSCRIPTION_PING_INTERVAL_MS: z.coerce.number().int().min(1_000).default(15_000),
  /** How often a subscription over plain HTTP (multipart or SSE on `POST /graphql`) sends a heartbeat while no event comes. */
  SUBSCRIPTION_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** Events held for one subscriber that reads slower than they arrive; past it the subscriber is dropped (4429). */
  SUBSCRIPTION_MAX_QUEUED_EVENTS: z.coerce.number().int().min(1).default(1_000),
  /** How long SIGTERM waits for in-flight requests and jobs before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** The GraphiQL playground at `/` (on by default except with NODE_ENV=production). */
  PLAYGROUND: bool.optional(),
  SEED_DEMO_DATA: bool.optional(),
  /**
   * Prometheus metrics at the gateway's `GET /metrics` (on by default). Tracing is configured by the
   * standard `OTEL_*` variables instead (see `telemetry/tracing.ts`), and is off without them.
   */
  METRICS: bool.default(true),
});

const oidcProviders = z.array(
  z
    .object({
      issuer: z.string().min(1),
      audience: z.string().min(1),
      jwksUrl: z.url().optional(),
      jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
    })
    .refine((p) => p.jwksUrl || p.jwks, 'each provider needs jwksUrl or jwks'),
);
export type OidcProvider = z.infer<typeof oidcProviders>[number];

/** `250ms`, `5s`, `2m`, `1h` in milliseconds; null for anything else. */
function parseDuration(text: string): number | null {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

export type Config = Omit<z.infer<typeof configSchema>, 'RATE_LIMIT_SENSITIVE_POINTS'> & { RATE_LIMIT_SENSITIVE_POINTS: number };

/** The sign-in budget per client address per window when RATE_LIMIT_SENSITIVE_POINTS is not set. */
export const DEFAULT_SENSITIVE_POINTS = { production: 20, otherwise: 1_000 } as const;

/** Secrets a production deployment must set itself, each at least {@link MIN_PRODUCTION_SECRET_BYTES}. */
const PRODUCTION_SECRETS = ['PAYMENT_WEBHOOK_SECRET', 'URL_SIGNING_SECRET', 'GATEWAY_SECRET'] as const;
const MIN_PRODUCTION_SECRET_BYTES = 32;

export class ConfigError extends Error {}

/**
 * Parses the environment; throws a {@link ConfigError} listing every bad variable by name. With
 * NODE_ENV=production the whole graph in one process needs every key and secret; a service started
 * alone (`options.service`) needs only those it uses, which its caller checks (server/src/requirements.ts),
 * so a gateway never holds identity's signing key. A secret that is set is always checked.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: { service?: string } = {}): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config: Config = {
    ...parsed.data,
    RATE_LIMIT_SENSITIVE_POINTS:
      parsed.data.RATE_LIMIT_SENSITIVE_POINTS ??
      (parsed.data.NODE_ENV === 'production' ? DEFAULT_SENSITIVE_POINTS.production : DEFAULT_SENSITIVE_POINTS.otherwise),
  };
  if (config.PERSISTED_OPERATIONS_ONLY && !config.PERSISTED_OPERATIONS_FILE) {
    throw new ConfigError(
      'Invalid configuration:\n  PERSISTED_OPERATIONS_ONLY: needs PERSISTED_OPERATIONS_FILE, the manifest of operations allowed to run',
    );
  }
  const apns = (['APNS_KEY_PATH', 'APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_BUNDLE_ID'] as const).filter((k) => !config[k]);
  if (apns.length > 0 && apns.length < 4) {
    throw new ConfigError(
      `Invalid configuration:\n${apns.map((k) => `  ${k}: required with the other APNS_* variables (APNs push needs all four)`).join('\n')}`,
    );
  }
  if (config.NODE_ENV === 'production') {
    const missing: string[] = options.service ? [] : (['JWT_PRIVATE_KEY', 'DATABASE_URL'] as const).filter((k) => !config[k]);
    if (!options.service && !config.JWT_PUBLIC_KEY && !config.JWT_JWKS_URL) missing.push('JWT_PUBLIC_KEY');
    const problems = missing.map((k) => `  ${k}: required when NODE_ENV=production`);
    for (const name of PRODUCTION_SECRETS) {
      if (options.service && cleaned[name] === undefined) continue;
      const problem = productionSecretProblem(name, cleaned[name]);
      if (problem) problems.push(`  ${name}: ${problem}`);
    }
    // Optional secrets and the earlier values of rotated ones are held to the same strength when set:
    // a weak previous secret would still open cursors and URLs.
    if (config.WEBHOOK_SECRET_KEY !== undefined) {
      const problem = productionSecretProblem('WEBHOOK_SECRET_KEY', config.WEBHOOK_SECRET_KEY);
      if (problem) problems.push(`  WEBHOOK_SECRET_KEY: ${problem}`);
    }
    for (const name of ['URL_SIGNING_SECRET_PREVIOUS', 'WEBHOOK_SECRET_KEY_PREVIOUS'] as const) {
      config[name].forEach((secret, i) => {
        const problem = productionSecretProblem(name.replace(/_PREVIOUS$/, '') as CheckedSecret, secret);
        if (problem) problems.push(`  ${name}: its secret #${i + 1} ${problem}`);
      });
    }
    if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return config;
}

/**
 * Why a production secret is refused, or null: missing, equal to a value printed in this repository,
 * or too short to resist guessing (an HMAC key should be as long as the hash, 32 bytes for SHA-256).
 */
type CheckedSecret = (typeof PRODUCTION_SECRETS)[number] | 'WEBHOOK_SECRET_KEY';
function productionSecretProblem(name: CheckedSecret, value: string | undefined): string | null {
  const howTo = 'generate one with `openssl rand -base64 48`';
  if (!value) return `required when NODE_ENV=production (${howTo})`;
  if (value === (DEVELOPMENT_SECRETS as Record<string, string>)[name]) {
    return `is the development default printed in this repository; set a secret of your own when NODE_ENV=production (${howTo})`;
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < MIN_PRODUCTION_SECRET_BYTES) {
    return `must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes when NODE_ENV=production; got ${bytes} (${howTo})`;
  }
  return null;
}

/** Demo data is seeded on the embedded default and never in production. */
export const shouldSeedDemoData = (config: Config) =>
  config.NODE_ENV !== 'production' && (config.SEED_DEMO_DATA ?? config.DATABASE_URL === undefined);
