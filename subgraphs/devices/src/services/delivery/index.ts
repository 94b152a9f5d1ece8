export { createDeliveryService, privateUrlsAllowed, type DeliveryService } from './worker.js';
export { createWebhooksService, type WebhooksService, type EndpointWithSecret } from './webhooks.js';
export { createPushTokensService, type PushTokensService } from './pushTokens.js';
export { createPushProviders, NOT_CONFIGURED, type PushMessage, type PushOutcome, type PushProvider, type PushProviders } from './push.js';
export { secretHint } from './signing.js';
export { UnreadableSecretError, WebhookSecretStorage } from './secretStorage.js';
