import type { MutationResolvers } from '../../generated/resolvers-types.js';

/** Storage plans and their orders. */
export const planMutations: MutationResolvers = {
  createRetentionPlan: (_parent, { input }, { services }) => services.plans.create(input),
  deleteRetentionPlan: (_parent, { input }, { services }) => services.plans.withdraw(input.id),
  orderRetentionPlan: (_parent, { input }, { services, auth, scope }) => services.plans.order(auth, scope, input),
};
