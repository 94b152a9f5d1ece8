import type { DeviceResolvers } from '../generated/resolvers-types.js';

export const Device: DeviceResolvers = {
  actions: (device, args, { data, scope }) => data.actions.actionsOfDevice(device.id, args, scope),
};
