// What the kernel offers the gateway, the subgraphs and the server, by capability. Only what some
// package uses is exported; a module's other exports are its own business.

// Configuration: the environment parsed once into a typed object, and the demo data it may seed.
export { configSchema, ConfigError, loadConfig, shouldSeedDemoData, SUPERGRAPH_FILE, type Config, type OidcProvider } from './config.js';
export { DEMO } from './demo.js';

// Logging: one pino logger per process, and the request id every line carries.
export { createLogger, REQUEST_ID_HEADER, type Logger } from './logger.js';

// Errors: every GraphQLError the graph returns, its closed set of codes, and masking of the rest.
export {
  badUserInput,
  conflict,
  ErrorCode,
  forbidden,
  graphqlErrorBody,
  IrisError,
  logUnexpectedErrors,
  MASKED_MESSAGE,
  maskError,
  notFound,
  unauthenticated,
} from './errors.js';
export { registerHttpErrorHandlers, rewordRequestError } from './httpErrors.js';

// Input: validation of arguments into BAD_USER_INPUT errors that name the field at fault.
export { decodeBase64, displayName, parseInput, rejectNulCharacters, uuidArgument } from './validation.js';

// Connections: relay pagination on a keyset, with sealed cursors that never expire.
export { encodeCursor, paginate, type Connection, type ConnectionArgs, type Sort, type SortDirection } from './connections.js';
export { CursorSealer, useCursorSecret } from './cursorSealing.js';

// Loading: per-request DataLoaders (entity references batch too) and the fields a query selects.
export { createGroupLoader, createRowLoader, isUuid } from './loaders.js';
export { selectedFields } from './selection.js';

// Events: the typed event union and the bus that carries it, in process or over Redis.
export {
  ERASURE_PARTICIPANTS,
  InProcessEventBus,
  newEvent,
  type EventBus,
  type EventHandler,
  type IrisEvent,
  type IrisEventMap,
  type IrisEventType,
  type SubscribeOptions,
} from './events.js';
export { RedisEventBus, type RedisEventBusOptions } from './redisEventBus.js';

// Subscriptions: a bus topic as a subscriber's stream, bounded, and ended as soon as it leaves.
export { eventStream } from './eventStream.js';
export { boundedQueue, FellBehindError, type BoundedQueue } from './boundedQueue.js';
export { returnPromptly } from './returnPromptly.js';

// Authentication: access tokens (signed, verified in every service) and their revocation.
export { ACCESS_TOKEN_ALG, AccessTokenVerifier, loadTokenKeys, publicJwks, signAccessToken, type TokenKeys } from './auth/tokens.js';
export { credentialEndedReason, followRevocations, type CredentialWatch, type RevocationSubject } from './auth/revocation.js';
export type { AuthState, CredentialError, Principal, Role } from './auth/principal.js';

// Authorization: the field policy declared in the SDL, OAuth scopes, and the tenant a caller may see.
export { declaredPolicies, type FieldPolicy } from './auth/policy.js';
export { SCOPES, type Scope } from './auth/scopes.js';
export {
  actingUserId,
  appScopeWhere,
  inScope,
  principalOf,
  requireInScope,
  scopeWhere,
  tenantScope,
  visibleUserIds,
  type TenantScope,
} from './auth/tenancy.js';

// Subgraphs: the list of them, what one is made of, and the server that runs one.
export { SUBGRAPH_NAMES, type SubgraphDefinition, type SubgraphName } from './subgraph/definition.js';
export { loadSubgraphTypeDefs, startSubgraphServer, type RequestContext, type RunningServer } from './subgraph/server.js';
export { GATEWAY_SECRET_HEADER, withoutSuggestions } from './subgraph/schemaDetails.js';
export { gracefulClose } from './gracefulClose.js';

// Captures: blob storage and the signed URLs that upload and read them.
export { captureStorage, FileSystemStorage, type BlobStorage } from './storage.js';
export { UrlSigner } from './signing.js';

// Observability: operation logs, metrics and traces, for the gateway and every subgraph.
export {
  callerKind,
  logOperation,
  logRefusedRequest,
  observabilityPlugins,
  OPERATION_LOGGED_HEADER,
  operationLabel,
  renderMetrics,
  reportQueueDepth,
  rootFieldsOf,
  shutdownTracing,
  startDefaultMetrics,
  subgraphFetchObserver,
  trackSubscription,
  tracingEnabled,
  tracingRequested,
} from './telemetry/index.js';
