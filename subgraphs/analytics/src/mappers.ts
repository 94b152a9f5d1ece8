import type { Connection } from '@iris/core';
import type { ActionModel as Action } from '@iris/db';

/** What the analytics subgraph's resolvers receive for each GraphQL type. */
export type { Action };
/** Devices owns Device; here it is only its key. */
export interface DeviceRef {
  id: string;
}
export type ActionConnection = Connection<Action>;
/** Identity owns App; here it is only its key. */
export interface AppRef {
  id: string;
}
