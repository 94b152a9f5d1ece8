import type { MutationResolvers } from '../../generated/resolvers-types.js';
import { accountMutations } from './accounts.js';
import { appMutations } from './apps.js';
import { planMutations } from './plans.js';
import { sessionMutations } from './sessions.js';

const groups = [accountMutations, sessionMutations, appMutations, planMutations];
for (const [i, group] of groups.entries()) {
  for (const field of Object.keys(group)) {
    if (groups.some((other, j) => j !== i && field in other)) throw new Error(`Mutation.${field} is defined twice`);
  }
}

export const Mutation: MutationResolvers = Object.assign({}, ...groups);
