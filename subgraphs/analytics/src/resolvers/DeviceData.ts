import type { DeviceDataResolvers } from '../generated/resolvers-types.js';

export const DeviceData: DeviceDataResolvers = {
  analysis: (capture, _args, { loaders }) => loaders.analysisByData.load(capture.id),
  analysisJob: (capture, _args, { loaders }) => loaders.jobByData.load(capture.id),
};
