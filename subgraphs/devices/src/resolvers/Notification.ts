import { scopeWhere } from '@iris/core';
import type { NotificationResolvers } from '../generated/resolvers-types.js';

export const Notification: NotificationResolvers = {
  __resolveReference: async ({ id }, { data, scope }) => (await data.notifications.notificationsByIds([id], scopeWhere(scope)))[0] ?? null,
  device: (n, _args, { loaders }) => (n.deviceId ? loaders.anyDevice.load(n.deviceId) : null),
  mark: (n, _args, { loaders }) => (n.markId ? loaders.mark.load(n.markId) : null),
};
