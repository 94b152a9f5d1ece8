import { inScope } from '@iris/core';
import type { DeviceGroupResolvers } from '../generated/resolvers-types.js';

export const DeviceGroup: DeviceGroupResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.deviceGroup.load(id),
  account: (group) => ({ id: group.accountId }),
  devices: (group, args, { data }) => data.devices.devicesOfGroup(group.id, args),
  // As `Device.sharedWith`: only the owning account sees who else the group is shared with, each user
  // with their email.
  sharedWith: async (group, _args, { loaders, scope }) =>
    inScope(scope, group.accountId) ? (await loaders.groupShares.load(group.id)).map((s) => ({ id: s.userId, email: s.email })) : [],
};
