import { ERASURE_PARTICIPANTS } from '@iris/core';
import type { ErasureReceiptResolvers } from '../generated/resolvers-types.js';

export const ErasureReceipt: ErasureReceiptResolvers = {
  requestedAt: (erasure) => erasure.requestedAt,
  complete: (erasure) => ERASURE_PARTICIPANTS.every((s) => erasure.parts.some((p) => p.subgraph === s)),
  // Every participant appears, reported or not, in a fixed order.
  parts: (erasure) =>
    ERASURE_PARTICIPANTS.map(
      (subgraph) =>
        erasure.parts.find((p) => p.subgraph === subgraph) ?? { erasureId: erasure.id, subgraph, removed: {}, completedAt: null as never },
    ),
};
