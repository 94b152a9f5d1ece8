import type { Connection } from '@iris/core';
import type { ActionModel as Action, AnalysisJobModel as AnalysisJob, FaceAnalysisModel as FaceAnalysis } from '@iris/db';

/** What the analytics subgraph's resolvers receive for each GraphQL type. */
export type { Action, AnalysisJob, FaceAnalysis };
/** Devices owns Device, DeviceData and DeviceMark; identity owns App: here they are only their keys. */
export interface DeviceRef {
  id: string;
}
export interface AppRef {
  id: string;
}
export interface DeviceDataRef {
  id: string;
}
/** A mark reference, with its capture's key (`@requires(fields: "data { id }")`). */
export interface DeviceMarkRef {
  id: string;
  data?: { id: string } | null;
}
export type ActionConnection = Connection<Action>;
export type AnalysisJobConnection = Connection<AnalysisJob>;
