import { notFound } from '@iris/core';
import type { DeviceDataResolvers } from '../generated/resolvers-types.js';

export const DeviceData: DeviceDataResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.capture.load(id),
  device: async (capture, _args, { loaders }) =>
    (await loaders.anyDevice.load(capture.deviceId)) ?? Promise.reject(notFound('Device', capture.deviceId)),
  url: (capture, _args, { services }) => services.captures.signedUrl(capture.id).url,
};
