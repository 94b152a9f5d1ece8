import { createGroupLoader, createRowLoader, isUuid } from '@iris/core';
import type { DevicesSubgraphData } from './data/index.js';
import type { Visibility } from './data/visibility.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: DevicesSubgraphData, visibility: Visibility) {
  return {
    device: createRowLoader((ids: readonly string[]) => data.devices.devicesByIds(ids, visibility), (row) => row.id, { validKey: isUuid }),
    /** Includes deleted devices: a mark's device, or a restore, still shows it. */
    anyDevice: createRowLoader((ids: readonly string[]) => data.devices.devicesByIds(ids, visibility, true), (row) => row.id, { validKey: isUuid }),
    deviceGroup: createRowLoader((ids: readonly string[]) => data.devices.groupsByIds(ids, visibility), (row) => row.id, { validKey: isUuid }),
    mode: createRowLoader((ids: readonly string[]) => data.modes.modesByIds(ids), (row) => row.id, { validKey: isUuid }),
    capture: createRowLoader((ids: readonly string[]) => data.captures.capturesByIds(ids, visibility), (row) => row.id, { validKey: isUuid }),
    mark: createRowLoader((ids: readonly string[]) => data.marks.marksByIds(ids, visibility), (row) => row.id, { validKey: isUuid }),
    zonesOfDevice: createGroupLoader((ids: readonly string[]) => data.devices.zonesOfDevices(ids), (row) => row.deviceId),
    deviceShares: createGroupLoader((ids: readonly string[]) => data.devices.deviceSharesOf(ids), (row) => row.deviceId),
    groupShares: createGroupLoader((ids: readonly string[]) => data.devices.groupSharesOf(ids), (row) => row.groupId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
