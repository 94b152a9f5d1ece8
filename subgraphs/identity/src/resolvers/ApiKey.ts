import { notFound } from '@iris/core';
import type { ApiKeyResolvers } from '../generated/resolvers-types.js';
import { scopeEnum } from '../services/apps.js';

export const ApiKey: ApiKeyResolvers = {
  scopes: (key) => key.scopes.map(scopeEnum),
  app: async (key, _args, { loaders }) => (await loaders.app.load(key.appId)) ?? Promise.reject(notFound('App', key.appId)),
};
