import type { Connection } from '@iris/core';
import type { DeviceGroupModel as DeviceGroup, DeviceModel as Device } from '@iris/db';

/** What the devices subgraph's resolvers receive for each GraphQL type. */
export type { Device, DeviceGroup };
/** Identity owns Account; here it is only its key. */
export interface AccountRef {
  id: string;
}
export type DeviceConnection = Connection<Device>;
export type DeviceGroupConnection = Connection<DeviceGroup>;
