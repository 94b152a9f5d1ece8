import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  Kind,
  parse,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DirectiveNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The fetch of a plan whose subgraph answer, when it has no errors and no extensions, is the response
 * as it stands: shaping it over the API schema would rebuild the same objects, key for key, in the same
 * order. Undefined for any other plan. Decided once per plan, conservatively:
 * - the plan is one fetch from the root (no entities, no `requires`, no rewrites, no @defer, no condition);
 * - the fetch selects what the client selected, in the same order: the same response names, fields,
 *   type conditions and directives (@skip/@include) at every level, fragments inlined on both sides
 *   (a fragment on the enclosing type merged into it, as the planner writes it).
 *   The planner adds `__typename` on abstract types and splits or merges selections where it must;
 *   any such difference keeps the plan on the ordinary path;
 * - no field returns an interface or a union (a concrete `__typename` the API schema hides would then
 *   pass unchecked), and no enum the field returns has values the API schema hides.
 *
 * Each answer is still checked before it passes (`compilePassThroughCheck` in `shape.ts`, a walk that
 * builds nothing): a subgraph whose schema has drifted from the supergraph, or that answers fields it was
 * not asked for, gets its answer shaped, with the errors @apollo/gateway would report.
 */
export function passThroughFetch(
  plan: QueryPlan,
  definition: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  schemas: { apiGraphQL: GraphQLSchema; supergraph: GraphQLSchema },
): FetchNode | undefined {
  const node = plan.node;
  if (node?.kind !== 'Fetch') return undefined;
  if (node.requires || node.inputRewrites?.length || node.outputRewrites?.length || node.contextRewrites?.length) return undefined;
  const document = node.operationDocumentNode ?? parse(node.operation);
  const fetched = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!fetched || fetched.operation !== definition.operation) return undefined;
  const fetchedFragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fetchedFragments[d.name.value] = d;

  const root = schemas.apiGraphQL.getRootType(definition.operation);
  if (!root) return undefined;
  const asked = shapeOf(definition.selectionSet, root, fragments, schemas.apiGraphQL);
  if (asked === undefined || asked !== shapeOf(fetched.selectionSet, root, fetchedFragments, schemas.apiGraphQL)) return undefined;
  return selectsOnlyPlainTypes(definition, fragments, schemas) ? node : undefined;
}

/**
 * A selection set as one string: response names, fields, type conditions and directives, in order, with
 * fragments inlined, and a fragment on the enclosing type itself (no directives) merged into it, as the
 * planner writes it. Undefined where a field is not in the API schema.
 */
function shapeOf(
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType,
  fragments: Record<string, FragmentDefinitionNode>,
  schema: GraphQLSchema,
  depth = 0,
): string | undefined {
  if (depth > 64 || !isCompositeType(parent)) return undefined;
  let shape = '';
  const fragment = (typeCondition: string | undefined, directives: string, selections: SelectionSetNode): string | undefined => {
    const type = typeCondition === undefined ? parent : schema.getType(typeCondition);
    if (!type) return undefined;
    const sub = shapeOf(selections, type, fragments, schema, depth + 1);
    if (sub === undefined) return undefined;
    return type === parent && directives === '' ? sub : `...${type.name}${directives}{${sub}} `;
  };
  for (const selection of selectionSet.selections) {
    let part: string | undefined;
    switch (selection.kind) {
      case Kind.FIELD: {
        const name = selection.name.value;
        part = `${selection.alias?.value ?? name}:${name}${directivesOf(selection.directives)}`;
        if (selection.selectionSet) {
          const field = 'getFields' in parent && !name.startsWith('__') ? parent.getFields()[name] : undefined;
          const sub = field && shapeOf(selection.selectionSet, getNamedType(field.type), fragments, schema, depth + 1);
          if (sub === undefined) return undefined;
          part += `{${sub}}`;
        }
        part += ' ';
        break;
      }
      case Kind.INLINE_FRAGMENT:
        part = fragment(selection.typeCondition?.name.value, directivesOf(selection.directives), selection.selectionSet);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const definition = fragments[selection.name.value];
        if (!definition) return undefined;
        const directives = directivesOf(selection.directives) + directivesOf(definition.directives);
        part = fragment(definition.typeCondition.name.value, directives, definition.selectionSet);
        break;
      }
    }
    if (part === undefined) return undefined;
    shape += part;
  }
  return shape;
}

function directivesOf(directives: readonly DirectiveNode[] | undefined): string {
  return directives?.length ? directives.map((directive) => print(directive)).join('') : '';
}

/** No field of the operation returns an abstract type or an enum with values hidden from the API schema. */
function selectsOnlyPlainTypes(
  definition: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  { apiGraphQL, supergraph }: { apiGraphQL: GraphQLSchema; supergraph: GraphQLSchema },
): boolean {
  let plain = true;
  const typeInfo = new TypeInfo(apiGraphQL);
  const document = { kind: Kind.DOCUMENT, definitions: [definition, ...Object.values(fragments)] } as const;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        const named = type && getNamedType(type);
        if (!named || isAbstractType(named)) plain = false;
        else if (isEnumType(named)) {
          const full = supergraph.getType(named.name);
          if (!isEnumType(full) || full.getValues().length !== named.getValues().length) plain = false;
        }
      },
    }),
  );
  return plain;
}

/** The JSON text of a subgraph answer's `data`, by the parsed object, for answers that were nothing else. */
const dataTexts = new WeakMap<object, string>();

/**
 * Keeps the text of `data` beside the object parsed from it when the answer is exactly `{"data":{…}}`
 * (as a GraphQL server writes an answer without errors or extensions), so that a response passed through
 * is written as the subgraph wrote it instead of serialized again ({@link stringifyResult}).
 */
export function keepDataText(answer: unknown, text: string): void {
  if (!text.startsWith('{"data":{')) return;
  const data = (answer as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null || Object.keys(answer as object).length !== 1) return;
  let end = text.length;
  while (end > 0 && isJsonWhitespace(text.charCodeAt(end - 1))) end--;
  if (text.charCodeAt(end - 1) !== 0x7d /* } */) return;
  dataTexts.set(data, text.slice('{"data":'.length, end - 1));
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Apollo Server's `stringifyResult`: a response that is a subgraph's answer passed through, with no
 * errors or extensions added since, is written from the subgraph's text; any other as Apollo Server
 * writes it (`JSON.stringify` and a newline).
 */
export function stringifyResult(result: FormattedExecutionResult): string {
  if (result.errors === undefined && result.extensions === undefined && typeof result.data === 'object' && result.data !== null) {
    const text = dataTexts.get(result.data);
    if (text !== undefined) return `{"data":${text}}\n`;
  }
  return `${JSON.stringify(result)}\n`;
}
