import type { WebhookEndpointResolvers } from '../generated/resolvers-types.js';
import { secretHint } from '../services/delivery/index.js';

export const WebhookEndpoint: WebhookEndpointResolvers = {
  secretHint: (endpoint) => secretHint(endpoint.secret),
  deliveries: (endpoint, { status, ...args }, { services }) => services.webhooks.deliveries(endpoint.id, status, args),
};
