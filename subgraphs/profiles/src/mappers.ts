import type { Connection } from '@iris/core';
import type { ErasureModel, ErasurePartModel, ProfileModel as Profile } from '@iris/db';

/** What the profiles subgraph's resolvers receive for each GraphQL type. */
export type { Profile };
/** Identity owns App; here it is only its key. */
export interface AppRef {
  id: string;
}
export type ProfileConnection = Connection<Profile>;
export type ErasureReceipt = ErasureModel & { parts: ErasurePartModel[] };
export type ErasurePart = ErasurePartModel;
