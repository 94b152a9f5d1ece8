import { badUserInput, parseInput, principalOf } from '@iris/core';
import { z } from 'zod';
import type { MutationResolvers } from '../generated/resolvers-types.js';

const recordActionInput = z.object({
  deviceId: z.uuid('must be a device id'),
  kind: z.enum(['DEVICE_ADDED', 'DEVICE_DELETED', 'MANUAL_RECORDING', 'PHOTO_TAKEN']),
  note: z.string().trim().max(1_000, 'must be at most 1000 characters').nullish(),
  occurredAt: z.date().nullish(),
});

export const Mutation: MutationResolvers = {
  analyzeImage: (_parent, { input }, { auth, services }) => services.analysis.analyzeImage(auth, input),
  recordAction: async (_parent, { input }, { auth, data }) => {
    const checked = parseInput(recordActionInput, input);
    const { accountId } = principalOf(auth);
    // Analytics knows a device belongs to an account from the devices subgraph's `device.added` event.
    if (!(await data.actions.deviceKnown(checked.deviceId, accountId))) {
      throw badUserInput(`input.deviceId: no device "${checked.deviceId}" in your account.`, 'input.deviceId');
    }
    return data.actions.record({
      accountId,
      deviceId: checked.deviceId,
      kind: checked.kind,
      ...(checked.note ? { note: checked.note } : {}),
      ...(checked.occurredAt ? { occurredAt: checked.occurredAt } : {}),
    });
  },
};
