import type { AccountResolvers } from '../generated/resolvers-types.js';

export const Account: AccountResolvers = {
  devices: (account, args, { data, scope }) => data.devicesOfAccount(account.id, args, scope),
  deviceGroups: (account, args, { data, scope }) => data.groupsOfAccount(account.id, args, scope),
};
