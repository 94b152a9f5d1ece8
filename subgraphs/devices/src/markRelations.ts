import { selectedFields, type Connection } from '@iris/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { Loaders } from './loaders.js';
import type { DeviceMark } from './mappers.js';

/**
 * Loads the device, group, mode and capture of every mark of a page, those the selection asks for,
 * before the page is returned, in the batches the marks' own fields would have made. Each mark's
 * field then finds its row already loaded (`settled`) and answers a plain value: a page of 50 marks
 * completes without a promise per mark and relation.
 */
export async function withMarkRelations(
  page: Connection<DeviceMark>,
  loaders: Loaders,
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
) {
  const asked = markFieldsOf(info);
  const ids = (pick: (mark: DeviceMark) => string | null) => [...new Set(page.nodes.flatMap((mark) => pick(mark) ?? []))];
  await Promise.all([
    asked.has('device') ? loaders.anyDevice.loadMany(ids((mark) => mark.deviceId)) : undefined,
    asked.has('group') ? loaders.deviceGroup.loadMany(ids((mark) => mark.groupId)) : undefined,
    asked.has('mode') ? loaders.mode.loadMany(ids((mark) => mark.modeId)) : undefined,
    asked.has('data') ? loaders.capture.loadMany(ids((mark) => mark.dataId)) : undefined,
  ]);
  return page;
}

/** The names of the fields asked of each mark of a connection: under `nodes` and under `edges { node }`. */
function markFieldsOf(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): Set<string> {
  const names = new Set<string>();
  for (const connection of info.fieldNodes) {
    for (const field of selectedFields(connection.selectionSet, info.fragments)) {
      const marks =
        field.name.value === 'nodes'
          ? [field]
          : field.name.value === 'edges'
            ? selectedFields(field.selectionSet, info.fragments).filter((f) => f.name.value === 'node')
            : [];
      for (const mark of marks) for (const asked of selectedFields(mark.selectionSet, info.fragments)) names.add(asked.name.value);
    }
  }
  return names;
}
