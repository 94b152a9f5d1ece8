import type { MutationResolvers } from '../../generated/resolvers-types.js';
import { captureMutations } from './captures.js';
import { deviceMutations } from './devices.js';
import { deliveryMutations } from './delivery.js';

const duplicate = [...Object.keys(deviceMutations), ...Object.keys(captureMutations)].find(
  (field, i, all) => all.indexOf(field) !== i || field in deliveryMutations,
);
if (duplicate) throw new Error(`Mutation.${duplicate} is defined twice`);

export const Mutation: MutationResolvers = { ...deviceMutations, ...captureMutations, ...deliveryMutations };
