import type { DeviceResolvers } from '../generated/resolvers-types.js';

export const Device: DeviceResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.device.load(id),
  group: (device, _args, { loaders }) => (device.groupId ? loaders.deviceGroup.load(device.groupId) : null),
  account: (device) => ({ id: device.accountId }),
};
