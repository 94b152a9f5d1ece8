import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: QueryResolvers = {
  profile: (_parent, { appId, deviceId }, { loaders }) => loaders.profile.load({ appId, deviceId }),
};
