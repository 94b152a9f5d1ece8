import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: QueryResolvers = {
  device: (_parent, { id }, { loaders }) => loaders.device.load(id),
  deviceGroup: (_parent, { id }, { loaders }) => loaders.deviceGroup.load(id),
};
