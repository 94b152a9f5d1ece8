import type { ErasurePartResolvers } from '../generated/resolvers-types.js';

export const ErasurePart: ErasurePartResolvers = {
  completedAt: (part) => part.completedAt ?? null,
  removed: (part) => Object.entries(part.removed as Record<string, number>).map(([kind, count]) => ({ kind, count })),
};
