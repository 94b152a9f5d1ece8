import type { ZoneResolvers } from '../generated/resolvers-types.js';

export const Zone: ZoneResolvers = {
  points: (zone) => zone.polygon as { x: number; y: number }[],
};
