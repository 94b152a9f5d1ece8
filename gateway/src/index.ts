export { startGateway, type GatewayOptions } from './gateway.js';
export type { SubgraphEndpoint } from './upstream/subgraphs.js';
