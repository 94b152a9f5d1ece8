import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { faceDetailOf } from './faceDetail.js';

/** The resolve info of the first field named `field` in `document`, as graphql-js hands it to a resolver. */
function infoOf(document: string, field: string) {
  const ast = parse(document);
  const fragments = Object.fromEntries(
    ast.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const find = (nodes: readonly FieldNode[]): FieldNode | undefined => {
    for (const node of nodes) {
      if (node.name.value === field) return node;
      const below = find((node.selectionSet?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD));
      if (below) return below;
    }
    return undefined;
  };
  const operation = ast.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return { fieldNodes: [find(operation.selectionSet.selections as FieldNode[])!], fragments };
}

describe('faceDetailOf', () => {
  it('reads a summary when a face is asked for no more than its score, box and expression label', () => {
    expect(
      faceDetailOf(
        infoOf(
          '{ faceAnalysis(id: "x") { id width faces { __typename score box { x y width height } expression { label } } } }',
          'faceAnalysis',
        ),
      ),
    ).toBe('summary');
    expect(faceDetailOf(infoOf('{ faceAnalysis(id: "x") { id width height models { detector } } }', 'faceAnalysis'))).toBe('summary');
  });

  it('reads the full faces for landmarks, eyes or expression scores', () => {
    expect(faceDetailOf(infoOf('{ faceAnalysis(id: "x") { faces { score landmarks { x y } } } }', 'faceAnalysis'))).toBe('full');
    expect(faceDetailOf(infoOf('{ faceAnalysis(id: "x") { faces { eyes { left { open } } } } }', 'faceAnalysis'))).toBe('full');
    expect(faceDetailOf(infoOf('{ faceAnalysis(id: "x") { faces { expression { label scores { score } } } } }', 'faceAnalysis'))).toBe(
      'full',
    );
    // Two selections of `faces` (aliases): the larger one decides.
    expect(
      faceDetailOf(infoOf('{ faceAnalysis(id: "x") { small: faces { score } big: faces { landmarks { x } } } }', 'faceAnalysis')),
    ).toBe('full');
  });

  it('looks inside fragments, named and inline, at every level', () => {
    const named = `{ faceAnalysis(id: "x") { ...A } } fragment A on FaceAnalysis { faces { ...F } } fragment F on Face { score expression { ...E } } fragment E on FaceExpression { scores { label } }`;
    expect(faceDetailOf(infoOf(named, 'faceAnalysis'))).toBe('full');
    const summary = `{ faceAnalysis(id: "x") { ...A } } fragment A on FaceAnalysis { faces { ... on Face { score box { x } } } }`;
    expect(faceDetailOf(infoOf(summary, 'faceAnalysis'))).toBe('summary');
  });

  it('reads `_entities` through its `... on FaceAnalysis` (the gateway’s entity fetch)', () => {
    const fetch = (faces: string) =>
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on FaceAnalysis { id faces { ${faces} } } } }`;
    expect(faceDetailOf(infoOf(fetch('score box { x y width height } expression { label }'), '_entities'))).toBe('summary');
    expect(faceDetailOf(infoOf(fetch('landmarks { x y }'), '_entities'))).toBe('full');
  });
});
