import { notFound } from '@iris/core';
import type { DeviceMarkResolvers } from '../generated/resolvers-types.js';

export const DeviceMark: DeviceMarkResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.mark.load(id),
  // A page's marks find their rows already loaded (`withMarkRelations`); a mark alone waits for its batch.
  device: (mark, _args, { loaders }) =>
    loaders.anyDevice.settled(mark.deviceId) ??
    loaders.anyDevice.load(mark.deviceId).then((device) => device ?? Promise.reject(notFound('Device', mark.deviceId))),
  group: (mark, _args, { loaders }) =>
    mark.groupId ? (loaders.deviceGroup.settled(mark.groupId) ?? loaders.deviceGroup.load(mark.groupId)) : null,
  mode: (mark, _args, { loaders }) => (mark.modeId ? (loaders.mode.settled(mark.modeId) ?? loaders.mode.load(mark.modeId)) : null),
  data: (mark, _args, { loaders }) => (mark.dataId ? (loaders.capture.settled(mark.dataId) ?? loaders.capture.load(mark.dataId)) : null),
  read: (mark) => mark.readAt !== null,
};
