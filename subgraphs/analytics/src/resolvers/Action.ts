import type { ActionResolvers } from '../generated/resolvers-types.js';

export const Action: ActionResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.action.load(id),
  kind: (action) => action.kind as never,
  device: (action) => ({ id: action.deviceId }),
};
