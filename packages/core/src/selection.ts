import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The fields of a selection set, with those of its inline and named fragments spread in, whatever
 * their type condition or directives. For resolvers that read ahead of execution what a client asks
 * for (which relations to load, how much of a stored document to read): a field counted too many only
 * means a little more is read, never less.
 */
export function selectedFields(selection: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const node of selection?.selections ?? []) {
    if (node.kind === Kind.FIELD) fields.push(node);
    else if (node.kind === Kind.INLINE_FRAGMENT) fields.push(...selectedFields(node.selectionSet, fragments));
    else fields.push(...selectedFields(fragments[node.name.value]?.selectionSet, fragments));
  }
  return fields;
}
