export { startGateway, type GatewayOptions } from './gateway.js';
export type { SubgraphEndpoint } from './routes/health.js';
