import type { DeviceGroupResolvers } from '../generated/resolvers-types.js';

export const DeviceGroup: DeviceGroupResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.deviceGroup.load(id),
  account: (group) => ({ id: group.accountId }),
  devices: (group, args, { data }) => data.devicesOfGroup(group.id, args),
};
