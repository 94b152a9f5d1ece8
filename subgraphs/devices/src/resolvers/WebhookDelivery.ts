import type { WebhookDeliveryResolvers } from '../generated/resolvers-types.js';

export const WebhookDelivery: WebhookDeliveryResolvers = {
  notification: (delivery, _args, { loaders }) => (delivery.notificationId ? loaders.notification.load(delivery.notificationId) : null),
  // The body exactly as each attempt POSTs it.
  payload: (delivery) => JSON.stringify(delivery.payload),
  attemptLog: (delivery, _args, { loaders }) => loaders.deliveryAttempts.load(delivery.id),
};
