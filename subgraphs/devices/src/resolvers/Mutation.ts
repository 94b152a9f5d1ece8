import { badUserInput, displayName, parseInput, principalOf } from '@iris/core';
import { z } from 'zod';
import type { MutationResolvers } from '../generated/resolvers-types.js';

const createDeviceGroupInput = z.object({ name: displayName(z) });
const addDeviceInput = z.object({
  name: displayName(z),
  model: displayName(z).nullish(),
  groupId: z.uuid('must be a device group id').nullish(),
});

export const Mutation: MutationResolvers = {
  createDeviceGroup: (_parent, args, { auth, data }) => {
    const input = parseInput(createDeviceGroupInput, args.input);
    return data.createGroup(principalOf(auth).accountId, input.name);
  },

  addDevice: async (_parent, args, { auth, data, bus }) => {
    const input = parseInput(addDeviceInput, args.input);
    const principal = principalOf(auth);
    const device = await data.addDevice(principal.accountId, input);
    if (!device) throw badUserInput(`No device group with id "${input.groupId}" in your account.`, 'input.groupId');
    await bus.publish('device.added', {
      deviceId: device.id,
      accountId: device.accountId,
      name: device.name,
      byUserId: principal.kind === 'user' ? principal.userId : principal.appId,
    });
    return device;
  },
};
