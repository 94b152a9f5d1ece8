import { assert, errorCodeDef, ERRORS, operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
import {
  evaluateCondition,
  type DeferredNode,
  type FetchDataRewrite,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  type QueryPlanSelectionNode,
} from '@apollo/query-planner';
import {
  executeSync,
  GraphQLError,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  OperationTypeNode,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type VariableDefinitionNode,
} from 'graphql';
import {
  compileDeferredBlocks,
  IncrementalDelivery,
  runDeferredInline,
  withDeferLabels,
  type CompiledDeferred,
  type SubsequentPayload,
} from './defer.js';
import { passThroughFetch } from './passThrough.js';
import { compilePassThroughCheck, compileProjection, type PassThroughCheck, type Projection } from './shape.js';

export type ResponsePath = (string | number)[];

/** What the engine asks of a subgraph: one GraphQL request, and where in the response its data goes. */
export interface SubgraphRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** The fetch's parsed operation, when the planner kept it. */
  document: DocumentNode | undefined;
  /** Where the fetch's data lands in the response (`@` for each element of a list). */
  path: ResponsePath;
  /**
   * The plan's pass-through fetch (`passThrough.ts`): a client that has the answer's text keeps it
   * (`keepDataText`), so that the response can be written from it.
   */
  passThrough?: boolean;
}

export interface SubgraphResponse {
  data?: Record<string, any> | null;
  errors?: readonly any[];
  extensions?: Record<string, unknown>;
}

/** Sends one request to the named subgraph. A rejection becomes one error of the response, as with @apollo/gateway. */
export type SubgraphFetch = (serviceName: string, request: SubgraphRequest) => Promise<SubgraphResponse>;

export interface EngineSchemas {
  /** The supergraph as graphql-js, for type conditions in `requires` selections and rewrites. */
  supergraph: GraphQLSchema;
  /** The API schema (federation-internals), over which the response is shaped. */
  api: Schema;
  /** The API schema as graphql-js, which answers introspection. */
  apiGraphQL: GraphQLSchema;
}

/** An entity a subgraph answered `null` for in `_entities`: its fields from that subgraph are missing from the response. */
export interface UnresolvedEntity {
  path: ResponsePath;
  typename: string;
  serviceName: string;
}

export interface EngineResult extends ExecutionResult {
  /**
   * `valueCompletion`: what @apollo/gateway reports there (nulls for non-null fields, invalid values).
   * `unresolvedEntities`: entities a subgraph could not resolve, which @apollo/gateway leaves as objects
   * whose fields from that subgraph read as null with no error at all.
   */
  extensions?: { valueCompletion?: GraphQLError[]; unresolvedEntities?: UnresolvedEntity[] };
}

/** An incremental response: the first payload, and the deferred parts after it when any was deferred. */
export interface IncrementalEngineResult {
  initial: EngineResult;
  /** Closing it early (`return()`, the client went away) starts no further block and no further fetch. */
  subsequent: AsyncGenerator<SubsequentPayload, void, undefined> | undefined;
}

/** A plan made ready to run: the operation parsed once, the response projection compiled once. */
export interface CompiledPlan {
  plan: QueryPlan;
  operation: Operation;
  definition: OperationDefinitionNode;
  projection: Projection;
  fetches: Map<FetchNode, CompiledFetch>;
  /** For plans with @defer: the first payload's projection (deferred fragments left out) and each block's. */
  deferred: { initial: Projection; blocks: Map<DeferredNode, CompiledDeferred> } | undefined;
  /**
   * The plan's one fetch, when an answer without errors or extensions that `conforms` to the operation
   * is the response as it stands (`passThrough.ts`).
   */
  passThrough: { fetch: FetchNode; conforms: PassThroughCheck } | undefined;
}

interface CompiledFetch {
  variableUsages: readonly string[];
  representation: ((entity: any) => any) | undefined;
  inputRewrites: Rewrite | undefined;
  outputRewrites: Rewrite | undefined;
}

type Rewrite = (value: any) => void;

interface RunContext {
  compiled: CompiledPlan;
  variables: Record<string, unknown> | undefined;
  fetch: SubgraphFetch;
  errors: GraphQLError[];
  unresolved: UnresolvedEntity[];
  fullResult: Record<string, unknown>;
  /** Set when deferred blocks are delivered after the first payload; without it a DeferNode runs whole. */
  incremental?: IncrementalDelivery;
  /** The data of the pass-through fetch's answer, when it came without errors or extensions. */
  passedThrough?: Record<string, unknown>;
}

interface Cursor {
  path: ResponsePath;
  data: any;
}

/**
 * Runs @apollo/query-planner plans: the same requests, merges, errors and response as
 * @apollo/gateway's `executeQueryPlan`, with the work that depends only on the plan and the operation
 * (parsing the operation over the API schema, the response projection, `requires` selections, rewrites)
 * done once per plan instead of per request. A one-fetch plan whose answer needs no shaping passes the
 * subgraph's data through as it came (`passThrough.ts`). @defer plans run here too (`executeIncrementally`);
 * subscription plans do not: each event's query runs as an ordinary plan.
 */
export class PlanEngine {
  readonly #schemas: EngineSchemas;
  /** Whether each type name met as a `__typename` is an interface or union of the supergraph. */
  readonly #abstractNames = new Map<string, boolean>();
  readonly #compiled = new WeakMap<QueryPlan, CompiledPlan | GraphQLError>();
  readonly #isOfType = new Map<string, boolean>();
  readonly #reportUnresolvedEntities: boolean;

  /** `reportUnresolvedEntities`: see `EngineGatewayOptions`. */
  constructor(schemas: EngineSchemas, options: { reportUnresolvedEntities?: boolean } = {}) {
    this.#schemas = schemas;
    this.#reportUnresolvedEntities = options.reportUnresolvedEntities ?? false;
  }

  /** Whether this engine runs the plan (not a subscription). */
  static supports(plan: QueryPlan): boolean {
    return !plan.node || plan.node.kind !== 'Subscription';
  }

  /** Whether a plan has deferred blocks (@defer), which `executeIncrementally` delivers after the rest. */
  static defers(plan: QueryPlan): boolean {
    return !!plan.node && plan.node.kind !== 'Subscription' && hasDefer(plan.node);
  }

  /** The plan compiled for this operation, cached by plan (a plan is built for one document and operation name). */
  compile(
    plan: QueryPlan,
    definition: OperationDefinitionNode,
    fragments: Record<string, FragmentDefinitionNode>,
  ): CompiledPlan | GraphQLError {
    let compiled = this.#compiled.get(plan);
    if (!compiled) {
      compiled = this.#compile(plan, definition, fragments);
      this.#compiled.set(plan, compiled);
    }
    return compiled;
  }

  #compile(
    plan: QueryPlan,
    definition: OperationDefinitionNode,
    fragments: Record<string, FragmentDefinitionNode>,
  ): CompiledPlan | GraphQLError {
    let operation: Operation;
    try {
      operation = operationFromDocument(
        this.#schemas.api,
        { kind: Kind.DOCUMENT, definitions: [definition, ...Object.values(fragments)] },
        { validate: false },
      );
    } catch (err) {
      if (err instanceof GraphQLError) return err;
      throw err;
    }
    const fetches = new Map<FetchNode, CompiledFetch>();
    const visitNode = (node: PlanNode | undefined): void => {
      if (!node) return;
      switch (node.kind) {
        case 'Sequence':
        case 'Parallel':
          node.nodes.forEach(visitNode);
          break;
        case 'Flatten':
          visitNode(node.node);
          break;
        case 'Condition':
          visitNode(node.ifClause);
          visitNode(node.elseClause);
          break;
        case 'Defer':
          visitNode(node.primary.node);
          for (const deferred of node.deferred) visitNode(deferred.node);
          break;
        case 'Fetch':
          fetches.set(node, {
            variableUsages: node.variableUsages ?? [],
            representation: node.requires ? this.#compileRequires(node.requires) : undefined,
            inputRewrites: this.#compileRewrites(node.inputRewrites),
            outputRewrites: this.#compileRewrites(node.outputRewrites),
          });
          break;
      }
    };
    if (plan.node && plan.node.kind !== 'Subscription') visitNode(plan.node);
    let deferred: CompiledPlan['deferred'];
    if (PlanEngine.defers(plan)) {
      // The operation as the gateway planned it: the same labels on its @defers (see withDeferLabels).
      const labelled = withDeferLabels(operation);
      deferred = {
        initial: compileProjection(labelled.operation, { excludeDeferred: true }),
        blocks: compileDeferredBlocks(labelled.operation, plan.node as PlanNode, labelled.assigned),
      };
    }
    const fetch = deferred ? undefined : passThroughFetch(plan, definition, fragments, this.#schemas);
    const conforms = fetch && compilePassThroughCheck(operation);
    const passThrough = fetch && conforms ? { fetch, conforms } : undefined;
    return { plan, operation, definition, projection: compileProjection(operation), fetches, deferred, passThrough };
  }

  /** Runs a compiled plan; resolves to what @apollo/gateway's `executeQueryPlan` resolves to. */
  async execute(
    compiled: CompiledPlan | GraphQLError,
    variables: Record<string, unknown> | undefined,
    fetch: SubgraphFetch,
  ): Promise<EngineResult> {
    if (compiled instanceof GraphQLError) return { errors: [compiled] };
    const fullResult = Object.create(null);
    const context: RunContext = { compiled, variables, fetch, errors: [], unresolved: [], fullResult };
    const root = compiled.plan.node;
    if (root?.kind === 'Subscription') throw new Error('Execution of subscriptions not supported by gateway');
    if (root) await this.#run(context, root, { path: [], data: fullResult });
    // A one-fetch plan whose answer needs no shaping: the subgraph's data is the response.
    if (context.passedThrough && context.errors.length === 0 && compiled.passThrough?.conforms(context.passedThrough, variables)) {
      return { data: context.passedThrough };
    }
    return this.#respond(compiled, compiled.projection, context);
  }

  /**
   * Runs a compiled plan for a client that takes incremental delivery: resolves, once the blocks that are
   * not deferred have run, to the first payload (shaped without the deferred fragments) and the deferred
   * parts to come. A plan that defers nothing (no @defer, or `if: false`) has no `subsequent`.
   */
  async executeIncrementally(
    compiled: CompiledPlan | GraphQLError,
    variables: Record<string, unknown> | undefined,
    fetch: SubgraphFetch,
  ): Promise<IncrementalEngineResult> {
    if (compiled instanceof GraphQLError || !compiled.deferred) {
      return { initial: await this.execute(compiled, variables, fetch), subsequent: undefined };
    }
    const fullResult = Object.create(null);
    const delivery = new IncrementalDelivery(compiled.deferred.blocks, {
      fullResult,
      variables,
      introspection: this.#introspection(compiled, variables),
      isOfType: (typename, condition) => this.#isObjectOfType({ __typename: typename }, condition),
    });
    const guarded: SubgraphFetch = (serviceName, request) =>
      delivery.closed ? Promise.reject(new Error('The request was cancelled')) : fetch(serviceName, request);
    const context: RunContext = { compiled, variables, fetch: guarded, errors: [], unresolved: [], fullResult, incremental: delivery };
    await this.#run(context, compiled.plan.node as PlanNode, { path: [], data: fullResult });
    const initial = this.#respond(compiled, compiled.deferred.initial, context);
    if (!delivery.hasNext || initial.data === null || initial.data === undefined) {
      delivery.close();
      return { initial, subsequent: undefined };
    }
    return { initial, subsequent: delivery.open(initial.data) };
  }

  #introspection(compiled: CompiledPlan, variables: Record<string, unknown> | undefined) {
    return (selection: Parameters<Parameters<Projection>[2]>[0]) =>
      introspect(
        this.#schemas.apiGraphQL,
        selection.expandFragments().toSelectionNode(),
        compiled.definition.variableDefinitions,
        variables,
      );
  }

  /** The response: the merged data shaped by `projection`, with the fetches' errors and the value completion ones. */
  #respond(compiled: CompiledPlan, projection: Projection, context: RunContext): EngineResult {
    const { variables, fullResult } = context;
    const errors = context.errors;
    let data: unknown;
    try {
      let valueCompletion: GraphQLError[];
      ({ data, errors: valueCompletion } = projection(fullResult, variables, this.#introspection(compiled, variables)));
      const unresolvedEntities = context.unresolved;
      if (valueCompletion.length > 0 || unresolvedEntities.length > 0) {
        const extensions = {
          ...(valueCompletion.length > 0 && { valueCompletion }),
          ...(unresolvedEntities.length > 0 && { unresolvedEntities }),
        };
        return errors.length === 0 ? { extensions, data: data as never } : { errors, extensions, data: data as never };
      }
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
      return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
    }
    return errors.length === 0 ? { data: data as never } : { errors, data: data as never };
  }

  async #run(context: RunContext, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
    if (!cursor) return;
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.#run(context, child, cursor);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.#run(context, child, cursor)));
        return;
      case 'Flatten':
        return this.#run(context, node.node, moveIntoCursor(cursor, node.path));
      case 'Fetch':
        try {
          await this.#fetch(context, node, cursor);
        } catch (error) {
          context.errors.push(error as GraphQLError);
        }
        return;
      case 'Condition': {
        const branch = evaluateCondition(node, context.compiled.operation.variableDefinitions, context.variables as never)
          ? node.ifClause
          : node.elseClause;
        if (branch) await this.#run(context, branch, cursor);
        return;
      }
      case 'Defer': {
        const delivery = context.incremental;
        if (!delivery) return runDeferredInline(node, (child) => this.#run(context, child, cursor));
        return delivery.defer(node, context.errors, context.unresolved, (child, errors, unresolved) =>
          this.#run(errors === context.errors ? context : { ...context, errors, unresolved }, child, cursor),
        );
      }
    }
  }

  async #fetch(context: RunContext, node: FetchNode, cursor: Cursor): Promise<void> {
    const compiled = context.compiled.fetches.get(node)!;
    const data = cursor.data;
    let entities: any[];
    if (Array.isArray(data)) {
      entities = [];
      for (const entity of data) if (entity !== null && entity !== undefined) entities.push(entity);
    } else {
      entities = [data];
    }
    if (entities.length < 1) return;
    const variables: Record<string, unknown> = Object.create(null);
    const provided = context.variables;
    if (provided) {
      for (const name of compiled.variableUsages) {
        if (Object.prototype.hasOwnProperty.call(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
      }
    }
    if (!compiled.representation) {
      const received = await this.#send(context, node, cursor, variables);
      if (received) compiled.outputRewrites?.(received);
      for (const entity of entities) deepMerge(entity, received);
      return;
    }
    const representations: any[] = [];
    const representationToEntity: number[] = [];
    for (let index = 0; index < entities.length; index++) {
      const representation = compiled.representation(entities[index]);
      if (representation && representation.__typename) {
        compiled.inputRewrites?.(representation);
        representations.push(representation);
        representationToEntity.push(index);
      }
    }
    if (representations.length < 1) return;
    if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
    variables.representations = representations;
    const received = await this.#send(context, node, cursor, variables);
    if (!received) return;
    const receivedEntities = received._entities;
    if (!(receivedEntities && Array.isArray(receivedEntities))) throw new Error(`Expected "data._entities" in response to be an array`);
    if (receivedEntities.length !== representations.length)
      throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
    let hydrated: ResponsePath[] | undefined;
    for (let i = 0; i < receivedEntities.length; i++) {
      const receivedEntity = receivedEntities[i];
      const existingEntity = entities[representationToEntity[i]!];
      if (
        receivedEntity &&
        (!receivedEntity.__typename ||
          (context.compiled.deferred && this.#isInterfaceObjectName(receivedEntity.__typename, existingEntity.__typename)))
      ) {
        receivedEntity.__typename = existingEntity.__typename;
      }
      if (receivedEntity) compiled.outputRewrites?.(receivedEntity);
      else if (this.#reportUnresolvedEntities) {
        // Entities and hydrated paths both skip nulls at the fetch's path, so they line up by index.
        if (!hydrated) generateHydratedPaths([], cursor.path, context.fullResult, (hydrated = []));
        const path = hydrated[representationToEntity[i]!];
        if (path) context.unresolved.push({ path, typename: representations[i].__typename, serviceName: node.serviceName });
      }
      deepMerge(existingEntity, receivedEntity);
    }
  }

  async #send(context: RunContext, node: FetchNode, cursor: Cursor, variables: Record<string, unknown>) {
    const response = await context.fetch(node.serviceName, {
      query: node.operation,
      operationName: node.operationName,
      variables,
      document: node.operationDocumentNode,
      path: cursor.path,
      passThrough: node === context.compiled.passThrough?.fetch,
    });
    if (node === context.compiled.passThrough?.fetch && !response.errors && !response.extensions && isObject(response.data)) {
      context.passedThrough = response.data as Record<string, unknown>;
    }
    if (response.errors) {
      let hydrated: ResponsePath[] | undefined;
      const pathOf = (errorPath: ResponsePath | undefined): ResponsePath | undefined => {
        if (node.requires && typeof errorPath?.[1] === 'number') {
          if (!hydrated) {
            hydrated = [];
            generateHydratedPaths([], cursor.path, context.fullResult, hydrated);
          }
          return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
        }
        return errorPath ? [...cursor.path, ...errorPath] : undefined;
      };
      for (const error of response.errors) context.errors.push(downstreamServiceError(error, node.serviceName, pathOf));
    }
    return response.data;
  }

  /**
   * Whether a subgraph answered an entity's `__typename` with the name of an interface (an
   * @interfaceObject's, which is never returned to clients) where the entity already has its object
   * type's: deferred plans can ask an @interfaceObject's subgraph for `__typename`, and its answer must
   * not replace the type the entity has. Only for plans with @defer: @apollo/gateway's executor lets the
   * answer replace it (and then nulls the object) in the few plain plans that do the same, and the
   * engine answers plain plans as it does.
   */
  #isInterfaceObjectName(received: unknown, existing: unknown): boolean {
    if (received === existing || typeof received !== 'string' || typeof existing !== 'string') return false;
    let abstract = this.#abstractNames.get(received);
    if (abstract === undefined) {
      const type = this.#schemas.supergraph.getType(received);
      this.#abstractNames.set(received, (abstract = !!type && isAbstractType(type)));
    }
    return abstract && isObjectType(this.#schemas.supergraph.getType(existing));
  }

  /** A `requires` selection as a function from an entity to its representation (`executeSelectionSet`). */
  #compileRequires(selections: QueryPlanSelectionNode[]): (source: any) => any {
    type Step = (source: any, result: any) => boolean;
    const compileSet = (set: readonly QueryPlanSelectionNode[]): ((source: any) => any) => {
      const steps: Step[] = set.map((selection): Step => {
        if (selection.kind === 'Field') {
          const name = selection.alias ?? selection.name;
          const sub = selection.selections ? compileSet(selection.selections) : undefined;
          return (source, result) => {
            if (!Object.prototype.hasOwnProperty.call(source, name) || source[name] === undefined) return false;
            const value = source[name];
            if (Array.isArray(value)) result[name] = sub ? value.map(sub) : value.slice();
            else result[name] = sub ? sub(value) : value;
            return true;
          };
        }
        const condition = selection.typeCondition;
        if (!condition) return () => true;
        const sub = compileSet(selection.selections);
        return (source, result) => {
          if (source && this.#isObjectOfType(source, condition)) deepMerge(result, sub(source));
          return true;
        };
      });
      // Representations are plain objects unless a name would shadow an Object.prototype member.
      const plain = set.every((selection) => selection.kind !== 'Field' || !((selection.alias ?? selection.name) in Object.prototype));
      return (source) => {
        if (source === null) return null;
        const result = plain ? {} : Object.create(null);
        for (const step of steps) if (!step(source, result)) return null;
        return result;
      };
    };
    return compileSet(selections);
  }

  /** `isObjectOfType` of @apollo/gateway's dataRewrites, cached by (typename, condition). */
  #isObjectOfType(object: any, condition: string, defaultOnUnknownObjectType = false): boolean {
    const typename = object.__typename;
    if (!typename) return defaultOnUnknownObjectType;
    if (condition === typename) return true;
    const key = `${typename}\u0000${condition}`;
    let result = this.#isOfType.get(key);
    if (result === undefined) {
      const schema = this.#schemas.supergraph;
      const type = schema.getType(typename);
      const conditional = schema.getType(condition);
      result =
        !!type &&
        !!conditional &&
        isAbstractType(conditional) &&
        (isObjectType(type) || isInterfaceType(type)) &&
        schema.isSubType(conditional, type as never);
      this.#isOfType.set(key, result);
    }
    return result;
  }

  #compileRewrites(rewrites: FetchDataRewrite[] | undefined): Rewrite | undefined {
    if (!rewrites || rewrites.length === 0) return undefined;
    const compiled = rewrites.map((rewrite) => this.#compileRewrite(rewrite)).filter((r): r is Rewrite => !!r);
    return (value) => {
      for (const rewrite of compiled) rewrite(value);
    };
  }

  #compileRewrite(rewrite: FetchDataRewrite): Rewrite | undefined {
    if (rewrite.path.length === 0) return undefined;
    const parent = rewrite.path.slice(0, -1);
    const last = rewrite.path[rewrite.path.length - 1]!;
    assert(!last.startsWith(FRAGMENT_PREFIX), () => `Unexpected fragment as last element of ${rewrite.path}`);
    const apply =
      rewrite.kind === 'ValueSetter'
        ? (object: any) => {
            defineOwn(object, last);
            object[last] = rewrite.setValueTo;
          }
        : (object: any) => {
            const atPath = Object.prototype.hasOwnProperty.call(object, last) ? object[last] : undefined;
            if (atPath) {
              defineOwn(object, rewrite.renameKeyTo);
              object[rewrite.renameKeyTo] = atPath;
              object[last] = undefined;
            }
          };
    const applyAtPath = (path: readonly string[], value: any): void => {
      if (Array.isArray(value)) {
        for (const element of value) applyAtPath(path, element);
        return;
      }
      if (typeof value !== 'object' || value === null) return;
      if (path.length === 0) {
        apply(value);
        return;
      }
      const [first, ...rest] = path as [string, ...string[]];
      if (first.startsWith(FRAGMENT_PREFIX)) {
        if (this.#isObjectOfType(value, first.slice(FRAGMENT_PREFIX.length), true)) applyAtPath(rest, value);
      } else {
        applyAtPath(rest, Object.prototype.hasOwnProperty.call(value, first) ? value[first] : undefined);
      }
    };
    return (value) => applyAtPath(parent, value);
  }
}

const FRAGMENT_PREFIX = '... on ';

function hasDefer(node: PlanNode): boolean {
  switch (node.kind) {
    case 'Defer':
      return true;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.some(hasDefer);
    case 'Flatten':
      return hasDefer(node.node);
    case 'Condition':
      return (!!node.ifClause && hasDefer(node.ifClause)) || (!!node.elseClause && hasDefer(node.elseClause));
    case 'Fetch':
      return false;
  }
}

function moveIntoCursor(cursor: Cursor, path: ResponsePath): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, path, 0);
  return data ? { path: cursor.path.concat(path), data } : undefined;
}

function flattenResultsAtPath(value: any, path: ResponsePath, from: number): any {
  if (from === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[from];
  if (current === '@') {
    // `value.flatMap(…)` without a callback and an array per element: the same elements, in order.
    if (!Array.isArray(value)) return (value as any).flatMap((element: any) => flattenResultsAtPath(element, path, from + 1));
    const flattened: any[] = [];
    for (let i = 0; i < value.length; i++) {
      const inner = flattenResultsAtPath(value[i], path, from + 1);
      if (Array.isArray(inner)) for (let j = 0; j < inner.length; j++) flattened.push(inner[j]);
      else flattened.push(inner);
    }
    return flattened;
  }
  assert(typeof current === 'string', () => `Unexpected ${typeof current} found in path`);
  assert(!Array.isArray(value), () => `Unexpected array in result for path element ${current}`);
  return flattenResultsAtPath(Object.prototype.hasOwnProperty.call(value, current) ? value[current] : undefined, path, from + 1);
}

function generateHydratedPaths(parent: ResponsePath, path: ResponsePath, data: any, result: ResponsePath[]): void {
  const head = path[0];
  if (data == null) return;
  if (head == null) {
    result.push(parent.slice());
  } else if (head === '@') {
    assert(Array.isArray(data), 'expected array when encountering `@`');
    for (const [i, value] of data.entries()) {
      parent.push(i);
      generateHydratedPaths(parent, path.slice(1), value, result);
      parent.pop();
    }
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      for (const [i, value] of data.entries()) {
        parent.push(i);
        generateHydratedPaths(parent, path, value, result);
        parent.pop();
      }
    } else if (Object.prototype.hasOwnProperty.call(data, head)) {
      parent.push(head);
      generateHydratedPaths(parent, path.slice(1), data[head], result);
      parent.pop();
    }
  } else {
    assert(false, `unknown path part "${head}"`);
  }
}

function downstreamServiceError(
  originalError: any,
  serviceName: string,
  pathOf: (path: ResponsePath | undefined) => ResponsePath | undefined,
): GraphQLError {
  let { message } = originalError;
  const { extensions } = originalError;
  if (!message) message = `Error while fetching subquery from service "${serviceName}"`;
  const options = { originalError, path: pathOf(originalError.path), extensions: { ...extensions, serviceName } };
  const codeDef = errorCodeDef(originalError);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

function isObject(value: unknown): value is object {
  return value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);
}

function defineOwn(object: any, key: string) {
  if (!Object.prototype.hasOwnProperty.call(object, key) && key in object) {
    Object.defineProperty(object, key, { configurable: true, enumerable: true, value: undefined, writable: true });
  }
}

/** @apollo/gateway's `deepMerge`: the merge its results and ours must agree on, byte for byte. */
function deepMerge(target: any, source: any): any {
  if (source === undefined || source === null) return target;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    defineOwn(target, key);
    const existing = target[key];
    if (existing && isObject(value)) {
      deepMerge(existing, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        if (isObject(existing[i]) && isObject(value[i])) deepMerge(existing[i], value[i]);
        else existing[i] = value[i];
      }
    } else {
      target[key] = value;
    }
  }
  return target;
}

function introspect(
  schema: GraphQLSchema,
  selection: SelectionNode,
  variableDefinitions: readonly VariableDefinitionNode[] | undefined,
  variables: Record<string, unknown> | undefined,
) {
  const used = new Set<string>();
  visit(selection, { Variable: ({ name }) => void used.add(name.value) });
  const definitions = variableDefinitions?.filter((definition) => used.has(definition.variable.name.value));
  const { data, errors } = executeSync({
    schema,
    document: {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: OperationTypeNode.QUERY,
          variableDefinitions: definitions,
          selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] },
        },
      ],
    },
    rootValue: {},
    variableValues: variables,
  });
  assert(
    !errors || errors.length === 0,
    () => `Introspection query for ${JSON.stringify(selection)} should not have failed but got ${JSON.stringify(errors)}`,
  );
  assert(data, () => `Introspection query for ${JSON.stringify(selection)} should not have failed`);
  const name = selection.kind === Kind.FIELD ? (selection.alias?.value ?? selection.name.value) : '';
  return Object.prototype.hasOwnProperty.call(data, name) ? data[name] : undefined;
}
