import type { AccountResolvers } from '../generated/resolvers-types.js';

export const Account: AccountResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.account.load(id),
  users: (account, args, { data }) => data.usersOfAccount(account.id, args),
  apps: (account, args, { data }) => data.appsOfAccount(account.id, args),
};
