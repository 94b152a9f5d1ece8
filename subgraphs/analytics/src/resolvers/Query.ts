import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: QueryResolvers = {
  action: (_parent, { id }, { loaders }) => loaders.action.load(id),
};
