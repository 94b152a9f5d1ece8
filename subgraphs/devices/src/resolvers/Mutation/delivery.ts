import type { MutationResolvers } from '../../generated/resolvers-types.js';

/** Webhook endpoints, their deliveries, and push tokens. */
export const deliveryMutations: MutationResolvers = {
  createWebhookEndpoint: (_p, { input }, { auth, services }) => services.webhooks.create(auth, input),
  updateWebhookEndpoint: (_p, { input }, { scope, services }) => services.webhooks.update(scope, input),
  deleteWebhookEndpoint: (_p, { input }, { scope, services }) => services.webhooks.remove(scope, input.id),
  rotateWebhookEndpointSecret: (_p, { input }, { scope, services }) => services.webhooks.rotateSecret(scope, input.id),
  sendTestWebhook: (_p, { input }, { scope, services }) => services.webhooks.sendTest(scope, input.endpointId),
  replayWebhookDelivery: (_p, { input }, { scope, services }) => services.webhooks.replay(scope, input.id),
  replayDeadWebhookDeliveries: (_p, { input }, { scope, services }) => services.webhooks.replayDead(scope, input.endpointId),
  registerPushToken: (_p, { input }, { auth, services }) => services.pushTokens.register(auth, input),
  unregisterPushToken: (_p, { input }, { auth, services }) => services.pushTokens.unregister(auth, input),
  updatePushPreferences: (_p, { input }, { auth, services }) => services.pushTokens.updatePreferences(auth, input),
};
