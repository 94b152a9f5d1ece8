import { createGroupLoader, createRowLoader, isUuid, scopeWhere } from '@iris/core';
import type DataLoader from 'dataloader';
import type { DevicesSubgraphData } from './data/index.js';
import type { Visibility } from './data/visibility.js';

/** Per-request loaders: every lookup by id in this subgraph batches through one of these. */
export function createLoaders(data: DevicesSubgraphData, visibility: Visibility) {
  return {
    device: createRowLoader(
      (ids: readonly string[]) => data.devices.devicesByIds(ids, visibility),
      (row) => row.id,
      { validKey: isUuid },
    ),
    /** Includes deleted devices: a mark's device, or a restore, still shows it. */
    anyDevice: settledRowLoader((ids) => data.devices.devicesByIds(ids, visibility, true)),
    deviceGroup: settledRowLoader((ids) => data.devices.groupsByIds(ids, visibility)),
    mode: settledRowLoader((ids) => data.modes.modesByIds(ids)),
    capture: settledRowLoader((ids) => data.captures.capturesByIds(ids, visibility)),
    mark: createRowLoader(
      (ids: readonly string[]) => data.marks.marksByIds(ids, visibility),
      (row) => row.id,
      { validKey: isUuid },
    ),
    zonesOfDevice: createGroupLoader(
      (ids: readonly string[]) => data.devices.zonesOfDevices(ids),
      (row) => row.deviceId,
    ),
    deviceShares: createGroupLoader(
      (ids: readonly string[]) => data.devices.deviceSharesOf(ids),
      (row) => row.deviceId,
    ),
    groupShares: createGroupLoader(
      (ids: readonly string[]) => data.devices.groupSharesOf(ids),
      (row) => row.groupId,
    ),
    notification: createRowLoader(
      (ids: readonly string[]) => data.notifications.notificationsByIds(ids, scopeWhere(visibility.scope)),
      (row) => row.id,
      { validKey: isUuid },
    ),
    deliveryAttempts: createGroupLoader(
      (ids: readonly string[]) => data.webhooks.attemptsOf(ids),
      (row) => row.deliveryId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** A loader of rows by id that also says, without waiting, what it has already fetched for an id. */
export type SettledRowLoader<Row> = DataLoader<string, Row | null> & {
  /** The row fetched for `id`, null when there was none to see, undefined when not fetched (yet). */
  settled: (id: string) => Row | null | undefined;
};

/**
 * A row loader (by UUID) that keeps what each batch found, so that a resolver can answer a plain row
 * instead of a promise once it is there (`withMarkRelations` fetches a page's relations first).
 */
function settledRowLoader<Row extends { id: string }>(fetchMany: (ids: readonly string[]) => Promise<Row[]>): SettledRowLoader<Row> {
  const found = new Map<string, Row | null>();
  const loader = createRowLoader(
    async (ids: readonly string[]) => {
      const rows = await fetchMany(ids);
      for (const id of ids) found.set(id, null);
      for (const row of rows) found.set(row.id, row);
      return rows;
    },
    (row) => row.id,
    { validKey: isUuid },
  );
  return Object.assign(loader, { settled: (id: string) => found.get(id) });
}
