import type { QueryResolvers } from '../generated/resolvers-types.js';
import { uuidArgument } from '@iris/core';
import { requireAppAccess } from '../services/profiles.js';

export const Query: QueryResolvers = {
  profiles: async (_parent, { appId, deviceIds, filter, ...args }, { auth, data, scope, services }) =>
    data.profilesOfApp(appId, await services.profiles.readFilter(appId, auth, scope, { deviceIds, filter }), args, scope),
  profile: (_parent, { appId, deviceId }, { auth, loaders }) => {
    requireAppAccess(auth.principal, appId);
    return loaders.profile.load({ appId, deviceId });
  },
  profileByAppUserId: (_parent, { appId, appUserId }, { auth, data, scope }) => {
    requireAppAccess(auth.principal, appId);
    return data.profileByAppUserId(appId, appUserId, scope);
  },
  scannedImageCount: async (_parent, { appId, deviceId }, { auth, loaders, scope, services }) => {
    await services.apps.requireVisibleApp(auth, scope, appId);
    return (await loaders.profile.load({ appId, deviceId }))?.scannedImageCount ?? 0;
  },
  // Receipt ids are UUIDs: any other id names no receipt, and never reaches the uuid column.
  erasureReceipt: (_parent, { id }, { data, scope }) => data.erasure(uuidArgument(id, 'id', 'an erasure receipt'), scope),
};
