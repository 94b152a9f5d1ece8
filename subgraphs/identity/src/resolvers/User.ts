import { notFound } from '@iris/core';
import type { UserResolvers } from '../generated/resolvers-types.js';

export const User: UserResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.user.load(id),
  account: async (user, _args, { loaders }) =>
    (await loaders.account.load(user.accountId)) ?? Promise.reject(notFound('Account', user.accountId)),
};
