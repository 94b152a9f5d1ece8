import type { QueryResolvers } from '../generated/resolvers-types.js';

export const Query: QueryResolvers = {
  me: (_parent, _args, { auth, loaders }) => (auth.principal?.kind === 'user' ? loaders.user.load(auth.principal.userId) : null),
  account: (_parent, { id }, { loaders }) => loaders.account.load(id),
  app: (_parent, { id }, { loaders }) => loaders.app.load(id),
};
