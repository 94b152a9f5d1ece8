import type { MutationResolvers } from '../../generated/resolvers-types.js';

/** Groups, devices, sharing, zones and modes. */
export const deviceMutations: MutationResolvers = {
  createDeviceGroup: (_p, { input }, { auth, services }) => services.devices.createGroup(auth, input),
  updateDeviceGroup: (_p, { input }, { scope, services }) => services.devices.renameGroup(scope, input),
  deleteDeviceGroup: (_p, { input }, { scope, services }) => services.devices.deleteGroup(scope, input.id),
  shareDeviceGroup: (_p, { input }, { scope, services }) => services.devices.shareGroup(scope, input, true),
  unshareDeviceGroup: (_p, { input }, { scope, services }) => services.devices.shareGroup(scope, input, false),
  addDevice: (_p, { input }, { auth, services }) => services.devices.addDevice(auth, input),
  updateDevice: (_p, { input }, { auth, scope, services }) => services.devices.updateDevice(auth, scope, input),
  deleteDevice: (_p, { input }, { auth, scope, services }) => services.devices.deleteDevice(auth, scope, input.id),
  restoreDevice: (_p, { input }, { scope, services }) => services.devices.restoreDevice(scope, input.id),
  moveDevice: (_p, { input }, { scope, services }) => services.devices.moveDevice(scope, input),
  shareDevice: (_p, { input }, { scope, services }) => services.devices.shareDevice(scope, input, true),
  unshareDevice: (_p, { input }, { scope, services }) => services.devices.shareDevice(scope, input, false),
  setDeviceZones: (_p, { input }, { scope, services }) => services.devices.setZones(scope, input),
  assignDeviceMode: (_p, { input }, { scope, services }) => services.devices.assignMode(scope, input),
  createDeviceMode: (_p, { input }, { auth, services }) => services.modes.create(auth, input),
  updateDeviceMode: (_p, { input }, { auth, services }) => services.modes.update(auth, input),
  deleteDeviceMode: (_p, { input }, { auth, services }) => services.modes.withdraw(auth, input.id),
};
