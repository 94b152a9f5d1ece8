import { faceDetailOf } from '../faceDetail.js';
import type { DeviceDataResolvers } from '../generated/resolvers-types.js';

export const DeviceData: DeviceDataResolvers = {
  analysis: (capture, _args, { loaders }, info) => loaders.analysisByCapture[faceDetailOf(info)].load(capture.id),
  analysisJob: (capture, _args, { loaders }) => loaders.jobByCapture.load(capture.id),
};
