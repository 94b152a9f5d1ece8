import { GraphQLDateTime } from 'graphql-scalars';
import { isScalarType, valueFromASTUntyped, type GraphQLSchema, type ValueNode } from 'graphql';
import type { GatewayPlugin } from '../plugin.js';

/**
 * The subgraphs' own scalars, whose input the gateway checks before planning: a composed supergraph
 * knows a custom scalar only by name and accepts anything for it, so a malformed `DateTime` literal
 * reached a subgraph, failed its validation there, and came back as an internal error. Checked here, a
 * literal is refused by the gateway's validation (GRAPHQL_VALIDATION_FAILED, naming the value) and a
 * variable by its coercion (BAD_USER_INPUT).
 */
const CHECKED_SCALARS = [GraphQLDateTime];

/**
 * Gives the schema's scalars of {@link CHECKED_SCALARS} their checks. Values pass through unchanged:
 * the gateway forwards what the client wrote, and each subgraph parses it again.
 */
export function checkScalarInput(schema: GraphQLSchema): void {
  for (const checked of CHECKED_SCALARS) {
    const scalar = schema.getType(checked.name);
    if (!isScalarType(scalar)) continue;
    scalar.parseValue = (value: unknown) => {
      checked.parseValue(value);
      return value;
    };
    scalar.parseLiteral = (node: ValueNode, variables?: { [name: string]: unknown } | null) => {
      checked.parseLiteral(node, variables);
      return valueFromASTUntyped(node, variables);
    };
  }
}

/** The subgraphs' scalars checked on input, in every schema the gateway loads. */
export function useScalarInputChecks(): GatewayPlugin {
  return { name: 'scalar-input-checks', onSchema: ({ apiSchema }) => checkScalarInput(apiSchema) };
}
