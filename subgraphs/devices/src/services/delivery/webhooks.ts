import {
  badUserInput,
  forbidden,
  notFound,
  parseInput,
  principalOf,
  type AuthState,
  type Config,
  type ConnectionArgs,
  type TenantScope,
} from '@iris/core';
import type { DeliveryStatus, NotificationDeliveryModel, Prisma, WebhookEndpointModel } from '@iris/db';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../../data/index.js';
import { testWebhookPayload, WEBHOOK_TEST } from './payloads.js';
import type { WebhookSecretStorage } from './secretStorage.js';
import { newSigningSecret } from './signing.js';
import { privateAddressProblem, webhookUrlProblem } from './urlPolicy.js';
import { privateUrlsAllowed, type DeliveryService } from './worker.js';

/** Endpoints an account may have: each notification is one request per endpoint. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 20;

const notificationTypes = z.enum(['MARK_CREATED', 'DEVICE_ERROR', 'DEVICE_STATUS_CHANGED', 'ANNOUNCEMENT']);
const endpointFields = {
  url: z.string().trim().min(1, 'must not be empty').max(2_000, 'must be at most 2000 characters'),
  description: z.string().trim().max(200, 'must be at most 200 characters').nullish(),
  eventTypes: z.array(notificationTypes).max(10).nullish(),
  enabled: z.boolean().nullish(),
};
const createInput = z.object(endpointFields);
const updateInput = z.object({ id: z.string(), ...endpointFields, url: endpointFields.url.nullish() });

/** An endpoint together with its secret, which only creation and rotation show. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpointModel;
  secret: string;
}

/** An account's webhook endpoints and their delivery log: kept by the account's main user. */
export function createWebhooksService(
  data: DevicesSubgraphData,
  delivery: DeliveryService,
  secrets: WebhookSecretStorage,
  config: Config,
  clock: () => Date,
) {
  const { webhooks } = data;
  const accountsOf = (scope: TenantScope) => (scope.all ? null : scope.accountIds);

  /** The URL checked for form, and in production for where it leads; a problem is BAD_USER_INPUT on `input.url`. */
  async function checkedUrl(raw: string): Promise<string> {
    const problem =
      webhookUrlProblem(raw, config.NODE_ENV === 'production') ?? (privateUrlsAllowed(config) ? null : await privateAddressProblem(raw));
    if (problem) throw badUserInput(`input.url: ${problem}.`, 'input.url');
    return raw;
  }

  async function ownEndpoint(scope: TenantScope, id: string): Promise<WebhookEndpointModel> {
    const endpoint = await webhooks.endpoint(id, accountsOf(scope));
    if (!endpoint) throw notFound('WebhookEndpoint', id);
    return endpoint;
  }

  return {
    list: (accountId: string, args: ConnectionArgs) => webhooks.endpointsOf(accountId, args),
    deliveries: (endpointId: string, status: DeliveryStatus | null | undefined, args: ConnectionArgs) =>
      webhooks.deliveriesOf(endpointId, status, args),

    async create(auth: AuthState, raw: unknown): Promise<EndpointWithSecret> {
      const principal = principalOf(auth);
      if (principal.kind !== 'user') throw forbidden('Webhook endpoints are managed by the account’s main user; sign in as that user.');
      const input = parseInput(createInput, raw);
      const url = await checkedUrl(input.url);
      if ((await webhooks.countEndpoints(principal.accountId)) >= MAX_ENDPOINTS_PER_ACCOUNT) {
        throw badUserInput(
          `An account has at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints; delete one you no longer use first.`,
          'input',
        );
      }
      const secret = newSigningSecret();
      const endpoint = await webhooks.createEndpoint({
        accountId: principal.accountId,
        url,
        description: input.description || null,
        eventTypes: [...new Set(input.eventTypes ?? [])],
        enabled: input.enabled ?? true,
        secret: secrets.seal(principal.accountId, secret),
      });
      return { endpoint, secret };
    },

    async update(scope: TenantScope, raw: unknown) {
      const input = parseInput(updateInput, raw);
      const endpoint = await ownEndpoint(scope, input.id);
      const changes: Prisma.WebhookEndpointUpdateInput = {};
      if (input.url != null && input.url !== endpoint.url) changes.url = await checkedUrl(input.url);
      if (input.description !== undefined) changes.description = input.description || null;
      if (input.eventTypes != null) changes.eventTypes = [...new Set(input.eventTypes)];
      if (input.enabled != null) changes.enabled = input.enabled;
      return Object.keys(changes).length === 0 ? endpoint : webhooks.updateEndpoint(endpoint.id, changes);
    },

    async remove(scope: TenantScope, id: string) {
      const endpoint = await ownEndpoint(scope, id);
      if (!(await webhooks.deleteEndpoint(endpoint.id))) throw notFound('WebhookEndpoint', id);
      return { deletedId: endpoint.id };
    },

    /** A new secret at once: the old one stops signing now, so the receiver is switched to the new one first. */
    async rotateSecret(scope: TenantScope, id: string): Promise<EndpointWithSecret> {
      const endpoint = await ownEndpoint(scope, id);
      const secret = newSigningSecret();
      return { endpoint: await webhooks.updateEndpoint(endpoint.id, { secret: secrets.seal(endpoint.accountId, secret) }), secret };
    },

    /** Sends a finished delivery (succeeded or dead) again, with a new round of the retry schedule. */
    async replay(scope: TenantScope, id: string): Promise<NotificationDeliveryModel> {
      const found = await webhooks.webhookDelivery(id, accountsOf(scope));
      if (!found) throw notFound('WebhookDelivery', id);
      const endpoint = await ownEndpoint(scope, found.endpointId!);
      if (!endpoint.enabled)
        throw badUserInput('input.id: its endpoint is disabled; enable it (updateWebhookEndpoint) before replaying.', 'input.id');
      if (!(await webhooks.replay(found.id, clock()))) {
        throw badUserInput(
          `input.id: this delivery is still being attempted (${found.status}); only a delivery that succeeded or is dead can be replayed.`,
          'input.id',
        );
      }
      delivery.poke();
      return (await webhooks.deliveriesByIds([found.id]))[0]!;
    },

    /** Every dead letter of an endpoint, due again now. */
    async replayDead(scope: TenantScope, endpointId: string) {
      const endpoint = await ownEndpoint(scope, endpointId);
      if (!endpoint.enabled)
        throw badUserInput(
          'input.endpointId: the endpoint is disabled; enable it (updateWebhookEndpoint) before replaying.',
          'input.endpointId',
        );
      const replayedCount = await webhooks.replayDead(endpoint.id, clock());
      if (replayedCount > 0) delivery.poke();
      return { endpoint, replayedCount };
    },

    /** A `webhook.test` message to the endpoint, through the same signing, retries and log as notifications. */
    async sendTest(scope: TenantScope, endpointId: string) {
      const endpoint = await ownEndpoint(scope, endpointId);
      if (!endpoint.enabled)
        throw badUserInput('input.endpointId: the endpoint is disabled; enable it (updateWebhookEndpoint) first.', 'input.endpointId');
      const now = clock();
      const created = await webhooks.createDelivery({
        accountId: endpoint.accountId,
        channel: 'WEBHOOK',
        endpointId: endpoint.id,
        eventType: WEBHOOK_TEST,
        payload: testWebhookPayload(endpoint.id, endpoint.accountId, now),
        nextAttemptAt: now,
      });
      delivery.poke();
      return created;
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
