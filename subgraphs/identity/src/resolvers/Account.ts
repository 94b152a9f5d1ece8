import type { AccountResolvers } from '../generated/resolvers-types.js';

export const Account: AccountResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.account.load(id),
  paymentConditions: (account) => ({ method: account.paymentMethod, billingAddress: account.billingAddress }),
  retentionPlan: (account, _args, { loaders }) => (account.retentionPlanId ? loaders.plan.load(account.retentionPlanId) : null),
  users: (account, args, { data, scope }) => data.accounts.usersOfAccount(account.id, args, scope),
  apps: (account, args, { data, scope }) => data.apps.appsOfAccount(account.id, args, scope),
  orders: (account, args, { data, scope }) => data.plans.ordersOfAccount(account.id, args, scope),
};
