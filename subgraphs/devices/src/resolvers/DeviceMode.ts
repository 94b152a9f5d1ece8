import type { DeviceModeResolvers } from '../generated/resolvers-types.js';

export const DeviceMode: DeviceModeResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.mode.load(id),
  account: (mode) => (mode.accountId ? { id: mode.accountId } : null),
  expressions: (mode) => mode.expressions as never,
  timeWindows: (mode) => mode.timeWindows as never,
};
