import type { Connection } from '@iris/core';
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Loaders } from './loaders.js';
import type { DeviceMark } from './mappers.js';

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * Loads the device, group, mode and capture of every mark of a page, those the selection asks for,
 * before the page is returned, in the batches the marks' own fields would have made. Each mark's
 * field then finds its row already loaded (`settled`) and answers a plain value: a page of 50 marks
 * completes without a promise per mark and relation.
 */
export async function withMarkRelations(page: Connection<DeviceMark>, loaders: Loaders, info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>) {
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
    for (const field of fieldsOf(connection.selectionSet, info.fragments)) {
      const marks = field.name.value === 'nodes' ? [field] : field.name.value === 'edges' ? fieldsOf(field.selectionSet, info.fragments).filter((f) => f.name.value === 'node') : [];
      for (const mark of marks) for (const asked of fieldsOf(mark.selectionSet, info.fragments)) names.add(asked.name.value);
    }
  }
  return names;
}

/** The fields of a selection set, with those of its fragments (directives aside: a field counted too many only loads early). */
function fieldsOf(selection: SelectionSetNode | undefined, fragments: Fragments): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const node of selection?.selections ?? []) {
    if (node.kind === Kind.FIELD) fields.push(node);
    else if (node.kind === Kind.INLINE_FRAGMENT) fields.push(...fieldsOf(node.selectionSet, fragments));
    else fields.push(...fieldsOf(fragments[node.name.value]?.selectionSet, fragments));
  }
  return fields;
}
