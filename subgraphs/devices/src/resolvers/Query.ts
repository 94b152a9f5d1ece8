import { badUserInput, isUuid, scopeWhere, uuidArgument } from '@iris/core';
import type { QueryResolvers } from '../generated/resolvers-types.js';
import { withMarkRelations } from '../markRelations.js';
import { modeVisible } from '../data/modes.js';

/** Shares are by user: a credential acting for no user (an API key) has none. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

export const Query: QueryResolvers = {
  device: (_parent, { id }, { loaders }) => loaders.device.load(uuidArgument(id, 'id', 'a device')),
  deviceGroup: (_parent, { id }, { loaders }) => loaders.deviceGroup.load(uuidArgument(id, 'id', 'a device group')),
  sharedDeviceGroups: (_parent, args, { data, visibility }) => data.devices.groupsSharedWith(visibility.userId ?? NO_USER, args),
  sharedDevices: (_parent, args, { data, visibility }) => data.devices.devicesSharedWith(visibility.userId ?? NO_USER, args),
  deviceModes: (_parent, args, { data, scope }) => data.modes.modes(args, scope),
  deviceMode: async (_parent, { id }, { loaders, scope }) => {
    const mode = await loaders.mode.load(uuidArgument(id, 'id', 'a device mode'));
    return mode && modeVisible(mode, scope) ? mode : null;
  },
  deviceData: (_parent, { id }, { loaders }) => loaders.capture.load(uuidArgument(id, 'id', 'a capture')),
  deviceMarks: async (_parent, { filter, orderBy, ...args }, { data, services, visibility, loaders }, info) =>
    withMarkRelations(await services.marks.list(await data.marks.visibleMarks(visibility), filter, orderBy, args), loaders, info),
  deviceMark: (_parent, { id }, { loaders }) => loaders.mark.load(uuidArgument(id, 'id', 'a mark')),
  latestDeviceMarks: async (_parent, { deviceIds, perDevice }, { data, visibility }) => {
    const per = perDevice ?? 1;
    if (per < 1 || per > 20) throw badUserInput('perDevice must be from 1 to 20.', 'perDevice');
    if (deviceIds.length > 100) throw badUserInput('At most 100 devices at a time.', 'deviceIds');
    const visible = await data.devices.devicesByIds(deviceIds.filter(isUuid), visibility);
    return data.marks.latestOfDevices(
      visible.map((d) => d.id),
      per,
    );
  },
  notifications: (_parent, { unsentOnly, ...args }, { data, scope }) =>
    data.notifications.notificationsOf(scopeWhere(scope), unsentOnly ?? false, args),
  unsentNotificationsToday: (_parent, { accountId }, { services, scope }) =>
    services.notifications.unsentToday(scope, uuidArgument(accountId, 'accountId', 'an account')),
  notification: async (_parent, { id }, { data, scope }) =>
    (await data.notifications.notificationsByIds([uuidArgument(id, 'id', 'a notification')], scopeWhere(scope)))[0] ?? null,
};
