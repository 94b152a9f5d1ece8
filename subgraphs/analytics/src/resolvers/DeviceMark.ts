import { faceDetailOf } from '../faceDetail.js';
import type { DeviceMarkResolvers } from '../generated/resolvers-types.js';

export const DeviceMark: DeviceMarkResolvers = {
  // `data { id }` comes from the devices subgraph (@requires): the analysis is the capture's.
  analysis: (mark, _args, { loaders }, info) => (mark.data ? loaders.analysisByCapture[faceDetailOf(info)].load(mark.data.id) : null),
};
