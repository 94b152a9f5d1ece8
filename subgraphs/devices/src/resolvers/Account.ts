import { requireInScope } from '@iris/core';
import type { AccountResolvers } from '../generated/resolvers-types.js';
import { withMarkRelations } from '../markRelations.js';

export const Account: AccountResolvers = {
  devices: (account, args, { data, scope }) => {
    requireInScope(scope, account.id);
    return data.devices.devicesOfAccount(account.id, args);
  },
  deviceGroups: (account, args, { data, scope }) => {
    requireInScope(scope, account.id);
    return data.devices.groupsOfAccount(account.id, args);
  },
  deviceModes: (account, args, { data, scope }) => {
    requireInScope(scope, account.id);
    return data.modes.modesOfAccount(account.id, args);
  },
  webhookEndpoints: (account, args, { scope, services }) => {
    requireInScope(scope, account.id);
    return services.webhooks.list(account.id, args);
  },
  deviceMarks: async (account, { filter, orderBy, ...args }, { scope, services, loaders }, info) => {
    requireInScope(scope, account.id);
    return withMarkRelations(await services.marks.list({ accountId: account.id }, filter, orderBy, args), loaders, info);
  },
};
