export {
  PlanEngine,
  type CompiledPlan,
  type EngineResult,
  type EngineSchemas,
  type IncrementalEngineResult,
  type ResponsePath,
  type SubgraphFetch,
  type SubgraphRequest,
  type SubgraphResponse,
} from './plan.js';
export { compileProjection, type Projection } from './shape.js';
export { stringifyResult } from './passThrough.js';
export { registerGraphQLRoute, type GraphQLRouteOptions } from './http.js';
export { requireResolvedOperation } from './operationResolution.js';
export { contextOfRequest, registerIncrementalDelivery, rememberContext, type IncrementalDeliveryOptions } from './multipart.js';
export {
  createGateway,
  EngineGateway,
  gatewayExecutorFromEnv,
  type EngineGatewayOptions,
  type GatewayExecutorKind,
} from './gateway.js';
export { cancelSubsequentPayloads, type IncrementalItem, type SubsequentPayload } from './defer.js';
export { acceptsIncrementalDelivery, openIncrementalSlot, streamsIncrementally, takeSubsequentPayloads } from './incremental.js';
export {
  cacheHint,
  createHttpSubgraphClient,
  keepAliveFetcher,
  type HttpAnswer,
  type HttpFetcher,
  type HttpSubgraphClientOptions,
  type SubgraphCall,
  type SubgraphClient,
  type SubgraphClients,
} from './client.js';
