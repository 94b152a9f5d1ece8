import { selectedFields } from '@iris/core';
import type { FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { FaceDetail } from './data/analyses.js';

/** What of a face a summary keeps: everything else (landmarks, eyes, expression scores) needs the full faces. */
const SUMMARY_FACE_FIELDS: Record<
  string,
  (selection: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>) => boolean
> = {
  __typename: () => true,
  score: () => true,
  box: () => true,
  expression: (selection, fragments) =>
    selectedFields(selection, fragments).every((field) => field.name.value === '__typename' || field.name.value === 'label'),
};

/**
 * How much of an analysis's faces the current field's selection reads: `summary` when it asks for no
 * more of a face than its score, box and expression label, `full` otherwise. Stored faces carry 68
 * landmarks each; a page of marks that shows only boxes then reads and parses a small part of them.
 * Works on a field returning `FaceAnalysis` and on `_entities` (through its `... on FaceAnalysis`).
 */
export function faceDetailOf(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): FaceDetail {
  for (const node of info.fieldNodes) {
    for (const field of selectedFields(node.selectionSet, info.fragments)) {
      if (field.name.value !== 'faces') continue;
      const summary = selectedFields(field.selectionSet, info.fragments).every(
        (face) => SUMMARY_FACE_FIELDS[face.name.value]?.(face.selectionSet, info.fragments) ?? false,
      );
      if (!summary) return 'full';
    }
  }
  return 'summary';
}
