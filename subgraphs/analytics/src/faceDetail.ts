import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { FaceDetail } from './data/analyses.js';

/** What of a face a summary keeps: everything else (landmarks, eyes, expression scores) needs the full faces. */
const SUMMARY_FACE_FIELDS: Record<string, (selection: SelectionSetNode | undefined, fragments: Fragments) => boolean> = {
  __typename: () => true,
  score: () => true,
  box: () => true,
  expression: (selection, fragments) => fieldsOf(selection, fragments).every((field) => field.name.value === '__typename' || field.name.value === 'label'),
};

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * How much of an analysis's faces the current field's selection reads: `summary` when it asks for no
 * more of a face than its score, box and expression label, `full` otherwise. Stored faces carry 68
 * landmarks each; a page of marks that shows only boxes then reads and parses a small part of them.
 * Works on a field returning `FaceAnalysis` and on `_entities` (through its `... on FaceAnalysis`).
 */
export function faceDetailOf(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): FaceDetail {
  for (const node of info.fieldNodes) {
    for (const field of fieldsOf(node.selectionSet, info.fragments)) {
      if (field.name.value !== 'faces') continue;
      const summary = fieldsOf(field.selectionSet, info.fragments).every((face) => SUMMARY_FACE_FIELDS[face.name.value]?.(face.selectionSet, info.fragments) ?? false);
      if (!summary) return 'full';
    }
  }
  return 'summary';
}

/** The fields of a selection set, with those of its fragments (whatever their type condition or directives: a field counted too many only asks for more). */
function fieldsOf(selection: SelectionSetNode | undefined, fragments: Fragments): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const node of selection?.selections ?? []) {
    if (node.kind === Kind.FIELD) fields.push(node);
    else if (node.kind === Kind.INLINE_FRAGMENT) fields.push(...fieldsOf(node.selectionSet, fragments));
    else fields.push(...fieldsOf(fragments[node.name.value]?.selectionSet, fragments));
  }
  return fields;
}
