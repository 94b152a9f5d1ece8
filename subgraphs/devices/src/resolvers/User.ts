import type { UserResolvers } from '../generated/resolvers-types.js';

/** Users are identity's; devices adds what it keeps of them. */
export const User: UserResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  pushPreferences: (user, _args, { auth, services }) => services.pushTokens.preferencesOf(auth, user.id),
};
