import type { AccountResolvers } from '../generated/resolvers-types.js';

export const Account: AccountResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.account.load(id),
  users: (account, args, { data, scope }) => data.usersOfAccount(account.id, args, scope),
  apps: (account, args, { data, scope }) => data.appsOfAccount(account.id, args, scope),
};
