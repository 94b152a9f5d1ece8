import type { WebhookEndpointResolvers } from '../generated/resolvers-types.js';
import { secretHint, UnreadableSecretError } from '../services/delivery/index.js';

export const WebhookEndpoint: WebhookEndpointResolvers = {
  secretHint: (endpoint, _args, { services }) => {
    try {
      return secretHint(services.webhookSecrets.open(endpoint.accountId, endpoint.secret).secret);
    } catch (err) {
      if (!(err instanceof UnreadableSecretError)) throw err;
      // Deliveries to it are dead-lettered with the reason; rotating the secret gives it a readable one.
      return 'unreadable: rotate this secret';
    }
  },
  deliveries: (endpoint, { status, ...args }, { services }) => services.webhooks.deliveries(endpoint.id, status, args),
};
