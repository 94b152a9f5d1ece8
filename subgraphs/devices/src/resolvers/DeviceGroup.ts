import type { DeviceGroupResolvers } from '../generated/resolvers-types.js';

export const DeviceGroup: DeviceGroupResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.deviceGroup.load(id),
  account: (group) => ({ id: group.accountId }),
  devices: (group, args, { data }) => data.devices.devicesOfGroup(group.id, args),
  sharedWith: async (group, _args, { loaders }) => (await loaders.groupShares.load(group.id)).map((s) => ({ id: s.userId })),
};
