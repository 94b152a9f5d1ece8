import { inScope } from '@iris/core';
import type { DeviceResolvers } from '../generated/resolvers-types.js';

const STREAM_URL_TTL_MS = 10 * 60_000;

export const Device: DeviceResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.anyDevice.load(id),
  group: (device, _args, { loaders }) => (device.groupId ? loaders.deviceGroup.load(device.groupId) : null),
  account: (device) => ({ id: device.accountId }),
  attributes: (device) => {
    const a = device.attributes as { resolutions?: { width: number; height: number }[]; frameRates?: number[]; sensorType?: string | null };
    return { resolutions: a.resolutions ?? [], frameRates: a.frameRates ?? [], sensorType: a.sensorType ?? null };
  },
  streamingUrl: (device, _args, { services }) =>
    `${services.config.STREAM_BASE_URL}${services.signer.sign(`/devices/${device.id}/live.m3u8`, new Date(services.clock().getTime() + STREAM_URL_TTL_MS))}`,
  zones: (device, _args, { loaders }) => loaders.zonesOfDevice.load(device.id),
  mode: (device, _args, { loaders }) => (device.modeId ? loaders.mode.load(device.modeId) : null),
  // Who else a device is shared with is its owner's business: a user it is shared with sees no list.
  // Each user comes with the email devices keeps of them (`@provides`), so a user of another account,
  // whom identity does not let the owner read, still shows whom the device was shared with.
  sharedWith: async (device, _args, { loaders, scope }) =>
    inScope(scope, device.accountId) ? (await loaders.deviceShares.load(device.id)).map((s) => ({ id: s.userId, email: s.email })) : [],
  captures: (device, args, { data }) => data.captures.capturesOfDevice(device.id, args),
};
