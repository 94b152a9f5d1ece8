import type { MutationResolvers } from '../../generated/resolvers-types.js';

/** Captures, marks and notifications. */
export const captureMutations: MutationResolvers = {
  uploadCapture: (_p, { input }, { scope, services }) => services.captures.upload(scope, input),
  createCaptureUploadUrl: (_p, { input }, { scope, services }) => services.captures.createUploadUrl(scope, input),
  deleteDeviceData: (_p, { input }, { scope, services }) => services.captures.setDeleted(scope, input.id, true),
  restoreDeviceData: (_p, { input }, { scope, services }) => services.captures.setDeleted(scope, input.id, false),
  markDeviceMarksRead: (_p, { input }, { scope, services }) => services.marks.markRead(scope, input),
  signDeviceMarkUrls: (_p, { input }, { loaders, services }) =>
    services.marks.sign((ids) => loaders.mark.loadMany(ids).then((rows) => rows.map((r) => (r instanceof Error ? null : r))), input),
  trashDeviceMarks: (_p, { input }, { scope, services }) => services.marks.trash(scope, input),
  recoverDeviceMarks: (_p, { input }, { scope, services }) => services.marks.recover(scope, input),
  purgeDeviceMarks: (_p, { input }, { scope, services }) => services.marks.purge(scope, input),
  createDeviceMark: (_p, { input }, { services }) => services.marks.createByHand(input),
  deleteDeviceMark: (_p, { input }, { services }) => services.marks.deleteByHand(input.id),
  markNotificationsSent: (_p, { input }, { scope, services }) => services.notifications.markSent(scope, input),
  createNotification: (_p, { input }, { services }) => services.notifications.announce(input),
  updateNotification: (_p, { input }, { services }) => services.notifications.update(input),
  deleteNotification: (_p, { input }, { services }) => services.notifications.remove(input.id),
};
