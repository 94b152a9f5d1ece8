export { startGateway, SUPERGRAPH_FILE, type GatewayOptions } from './gateway.js';
export type { SubgraphEndpoint } from './plugins/health.js';
