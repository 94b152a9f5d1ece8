import { notFound } from '@iris/core';
import type { DeviceMarkResolvers } from '../generated/resolvers-types.js';

export const DeviceMark: DeviceMarkResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.mark.load(id),
  device: async (mark, _args, { loaders }) => (await loaders.anyDevice.load(mark.deviceId)) ?? Promise.reject(notFound('Device', mark.deviceId)),
  group: (mark, _args, { loaders }) => (mark.groupId ? loaders.deviceGroup.load(mark.groupId) : null),
  mode: (mark, _args, { loaders }) => (mark.modeId ? loaders.mode.load(mark.modeId) : null),
  data: (mark, _args, { loaders }) => (mark.dataId ? loaders.capture.load(mark.dataId) : null),
  read: (mark) => mark.readAt !== null,
};
