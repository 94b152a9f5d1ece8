import type { MutationResolvers } from '../generated/resolvers-types.js';

export const Mutation: MutationResolvers = {
  login: (_parent, { input }, { signIn }) => signIn.login(input),
};
