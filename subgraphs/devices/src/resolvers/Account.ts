import { requireInScope } from '@iris/core';
import type { AccountResolvers } from '../generated/resolvers-types.js';

export const Account: AccountResolvers = {
  devices: (account, args, { data, scope }) => {
    requireInScope(scope, account.id);
    return data.devices.devicesOfAccount(account.id, args);
  },
  deviceGroups: (account, args, { data, scope }) => {
    requireInScope(scope, account.id);
    return data.devices.groupsOfAccount(account.id, args);
  },
  deviceMarks: (account, { filter, orderBy, ...args }, { scope, services }) => {
    requireInScope(scope, account.id);
    return services.marks.list({ accountId: account.id }, filter, orderBy, args);
  },
};
