import type { MutationResolvers } from '../../generated/resolvers-types.js';
import { captureMutations } from './captures.js';
import { deviceMutations } from './devices.js';

const duplicate = Object.keys(deviceMutations).find((field) => field in captureMutations);
if (duplicate) throw new Error(`Mutation.${duplicate} is defined twice`);

export const Mutation: MutationResolvers = { ...deviceMutations, ...captureMutations };
