import { notFound } from '@iris/core';
import type { OrderResolvers } from '../generated/resolvers-types.js';

export const Order: OrderResolvers = {
  plan: async (order, _args, { loaders }) =>
    (await loaders.plan.load(order.planId)) ?? Promise.reject(notFound('RetentionPlan', order.planId)),
  account: async (order, _args, { loaders }) =>
    (await loaders.account.load(order.accountId)) ?? Promise.reject(notFound('Account', order.accountId)),
};
