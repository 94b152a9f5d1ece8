import type { MutationResolvers } from '../generated/resolvers-types.js';

export const Mutation: MutationResolvers = {
  postProfile: (_parent, { input }, { auth, services }) => services.profiles.post(auth, input),
  recordScannedImages: (_parent, { input }, { auth, services }) => services.profiles.recordScannedImages(auth, input),
  deleteUserDataByApp: (_parent, { input }, { auth, scope, services }) => services.erasure.byApp(auth, scope, input),
  deleteUserDataByOwner: (_parent, { input }, { auth, services }) => services.erasure.byOwner(auth, input),
};
