import { actingUserId, uuidArgument } from '@iris/core';
import { passwordStrength } from '../services/passwords.js';
import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: QueryResolvers = {
  me: (_parent, _args, { auth, loaders }) => {
    // A user, or the user who consented to an OAuth token; API keys act for no user.
    const userId = actingUserId(auth.principal);
    return userId ? loaders.user.load(userId) : null;
  },
  account: (_parent, { id }, { loaders }) => loaders.account.load(uuidArgument(id, 'id', 'an account')),
  accountOfApp: async (_parent, { appId }, { services, loaders, scope }) => {
    const accountId = await services.accounts.accountIdOfApp(appId, scope);
    return accountId ? loaders.account.load(accountId) : null;
  },
  app: (_parent, { id }, { loaders }) => loaders.app.load(id),
  passwordStrength: (_parent, { password }) => passwordStrength(password),
  retentionPlans: (_parent, _args, { data }) => data.plans.offeredPlans(),
  order: (_parent, { id }, { loaders }) => loaders.order.load(uuidArgument(id, 'id', 'an order')),
  orders: (_parent, { status, ...args }, { data }) => data.plans.allOrders(status, args),
};
