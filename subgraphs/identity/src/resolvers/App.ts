import { notFound, requireInScope } from '@iris/core';
import { appKeyScopeEnums } from '../services/apps.js';
import type { AppResolvers } from '../generated/resolvers-types.js';

export const App: AppResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.app.load(id),
  account: async (app, _args, { loaders }) =>
    (await loaders.account.load(app.accountId)) ?? Promise.reject(notFound('Account', app.accountId)),
  accounts: (app, args, { data, scope }) => {
    requireInScope(scope, app.accountId);
    return data.appLinks.linkedAccounts(app.id, args);
  },
  // An account added to the app sees it in Account.apps, but its keys and redirect URIs stay the owner's.
  redirectUris: (app, _args, { scope }) => {
    requireInScope(scope, app.accountId);
    return app.redirectUris;
  },
  apiKeys: (app, args, { data, scope }) => {
    requireInScope(scope, app.accountId);
    return data.apps.apiKeysOfApp(app.id, args);
  },
  appKeyScopes: (app) => appKeyScopeEnums(app.appKeyScopes),
};
