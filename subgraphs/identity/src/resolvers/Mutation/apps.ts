import { principalOf } from '@iris/core';
import type { MutationResolvers } from '../../generated/resolvers-types.js';

/** Developer apps and API keys. */
export const appMutations: MutationResolvers = {
  registerApp: (_parent, { input }, { services, auth }) => services.apps.register(principalOf(auth).accountId, input),
  updateApp: (_parent, { input }, { services, scope }) => services.apps.update(input, scope),
  setAppStatus: (_parent, { input }, { services, scope }) => services.apps.setStatus(input.id, input.active, scope),
  rotateAppKey: (_parent, { input }, { services, scope }) => services.apps.rotateKey(input.id, scope),
  createApiKey: (_parent, { input }, { services, scope }) => services.apps.createApiKey(input, scope),
  revokeApiKey: (_parent, { input }, { services, scope }) => services.apps.revokeApiKey(input.id, scope),
  exchangeApiKey: (_parent, { input }, { services }) => services.apps.exchangeApiKey(input.apiKey),
  exchangeAppKey: (_parent, { input }, { services }) => services.apps.exchangeAppKey(input.appId, input.appKey),
};
