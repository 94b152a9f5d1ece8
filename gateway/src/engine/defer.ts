import {
  baseType,
  isCompositeType,
  parseSelectionSet,
  type CompositeType,
  type FieldSelection,
  type FragmentElement,
  type Operation,
  type Selection,
  type SelectionSet,
} from '@apollo/federation-internals';
import type { DeferNode, DeferredNode, PlanNode } from '@apollo/query-planner';
import { GraphQLError } from 'graphql';
import type { UnresolvedEntity } from './plan.js';
import { compileSubselectionProjection, deferCondition, deferLabel, skipCondition, type SubselectionProjection } from './shape.js';

type ResponsePath = (string | number)[];

/**
 * @defer in the engine, as Apollo Router delivers it (`deferSpec=20220824`): the plan's `DeferNode`s run
 * their primary block with the rest of the plan; each deferred block starts as soon as the primary it
 * hangs off has run, and once its fetches are done becomes one subsequent payload, its data shaped by the
 * operation's deferred fragment (or, where the engine cannot find it, the planner's `subselection`) at
 * every place of the response its `queryPath`
 * reaches (one incremental item per element of a list), its errors beside it. A block nested in another
 * starts after its parent's data is queued, so a client never gets a part whose parent it has not.
 */

/** One deferred fragment's data at one path of the response. */
export interface IncrementalItem {
  data: Record<string, unknown> | null;
  path: ResponsePath;
  label?: string;
  errors?: GraphQLError[];
  /** Values that could not be completed, and entities no subgraph resolved (as in a whole result's `extensions`). */
  extensions?: { valueCompletion?: GraphQLError[]; unresolvedEntities?: UnresolvedEntity[] };
}

/** A payload after the first: the deferred parts ready now, and whether more will follow. */
export interface SubsequentPayload {
  incremental?: IncrementalItem[];
  hasNext: boolean;
}

/** A deferred block made ready to shape: its selection parsed and compiled once per plan. */
export interface CompiledDeferred {
  label: string | undefined;
  queryPath: readonly string[];
  projection: SubselectionProjection | undefined;
  /**
   * Whether, with these variables, a deferred fragment is reached at the block's path: the planner runs
   * a block whatever the @skip/@include of the fields and fragments above it, which may leave it out.
   */
  active: (variables: Record<string, unknown>) => boolean;
  /**
   * The type conditions between the block's path and its deferred fragment in the operation, for each
   * route there (none: every object at the path). The planner can leave them out of both the path and
   * the selection (a fragment on an object type under an @interfaceObject's field), and an object of
   * another type must get no part.
   */
  typeConditions: string[][];
  /**
   * Where the part is shaped by the planner's subselection, the paths, from the block's, of the blocks
   * deferred inside it: the planner prints a field whose selection is only deferred fragments out of
   * the block's selection, yet the parts inside it need it (`{"users":[{},{}]}`), so it is sent empty.
   */
  inner: string[][];
}

/**
 * The operation with a label on every @defer, planned as it is: the planner labels unlabelled ones itself
 * and then hides their labels from the plan, which leaves a block with no way back to its fragment (two
 * fragments deferred at one path, one of them under a skipped field, look alike). The labels given here
 * (`assigned`) are the engine's own and never reach the client.
 */
export function withDeferLabels(operation: Operation): { operation: Operation; assigned: ReadonlySet<string> } {
  // Most operations have none: they keep their named fragments, which the planner reuses in subgraph queries.
  if (!operation.selectionSet.hasDefer()) return { operation, assigned: new Set() };
  const normalized = operation.expandAllFragments().withNormalizedDefer();
  if (!normalized.hasDefers) return { operation, assigned: new Set() };
  return { operation: normalized.operation, assigned: normalized.assignedDeferLabels };
}

/**
 * Compiles the response projection of every deferred block of a plan, keyed by block. `operation` is the
 * one the plan was built from (`withDeferLabels`), `assigned` the labels that are the engine's own.
 */
export function compileDeferredBlocks(
  operation: Operation,
  root: PlanNode | undefined,
  assigned: ReadonlySet<string> = new Set(),
): Map<DeferredNode, CompiledDeferred> {
  const blocks = new Map<DeferredNode, CompiledDeferred>();
  const visit = (node: PlanNode | undefined): void => {
    if (!node) return;
    switch (node.kind) {
      case 'Sequence':
      case 'Parallel':
        node.nodes.forEach(visit);
        return;
      case 'Flatten':
        visit(node.node);
        return;
      case 'Condition':
        visit(node.ifClause);
        visit(node.elseClause);
        return;
      case 'Defer':
        visit(node.primary.node);
        for (const deferred of node.deferred) {
          // A block with blocks deferred inside it is a DeferNode whose primary prints its own selection.
          const nested = deferred.subselection === undefined && deferred.node?.kind === 'Defer' ? deferred.node : undefined;
          const subselection = nested ? nested.primary.subselection : deferred.subselection;
          const { selection, ...routes } = compileRoutes(operation, deferred.queryPath, deferred.label);
          // The part is shaped by the operation's own deferred fragment where the walk found it: the
          // planner's subselection may lift a field out of its fragment's type condition (`__typename`
          // asked under `... on User`, printed for every element of an interface's list), and orders
          // fields its own way.
          const own = selection ?? subselection;
          blocks.set(deferred, {
            label: deferred.label !== undefined && assigned.has(deferred.label) ? undefined : deferred.label,
            queryPath: deferred.queryPath,
            projection: own ? compileBlock(operation, deferred.queryPath, own) : undefined,
            ...routes,
            inner: (selection === undefined ? (nested?.deferred ?? []) : [])
              .filter((inner) => deferred.queryPath.every((element, i) => inner.queryPath[i] === element))
              .map((inner) => inner.queryPath.slice(deferred.queryPath.length))
              .filter((path) => path.length > 0),
          });
          if (nested) {
            visit(nested.primary.node);
            for (const inner of nested.deferred) visit({ kind: 'Defer', primary: {}, deferred: [inner] });
          } else {
            visit(deferred.node);
          }
        }
        return;
      case 'Fetch':
        return;
    }
  };
  visit(root);
  return blocks;
}

function compileBlock(operation: Operation, queryPath: readonly string[], subselection: string): SubselectionProjection {
  const parentType = typeAtPath(operation, queryPath);
  const selectionSet = parseSelectionSet({
    parentType,
    source: subselection,
    variableDefinitions: operation.variableDefinitions,
    validate: false,
  });
  return compileSubselectionProjection(operation, parentType, selectionSet);
}

/** The type of the object a `queryPath` (response names and `... on T`) reaches in the operation. */
function typeAtPath(operation: Operation, queryPath: readonly string[]): CompositeType {
  const schema = operation.schema();
  let type = schema.schemaDefinition.rootType(operation.rootKind) as CompositeType;
  let sets: SelectionSet[] = [operation.selectionSet];
  for (const element of queryPath) {
    if (element.startsWith(FRAGMENT_PREFIX)) {
      const condition = schema.type(element.slice(FRAGMENT_PREFIX.length));
      if (!condition || !isCompositeType(condition)) throw new Error(`Unknown type in deferred path ${queryPath.join('/')}`);
      type = condition;
      continue;
    }
    const next: SelectionSet[] = [];
    let fieldType: CompositeType | undefined;
    const collect = (set: SelectionSet): void => {
      for (const selection of set.selections()) {
        if (selection.kind === 'FieldSelection') {
          if ((selection as FieldSelection).element.responseName() !== element) continue;
          const named = baseType(selection.element.definition.type!);
          if (isCompositeType(named)) fieldType ??= named;
          if (selection.selectionSet) next.push(selection.selectionSet);
        } else if (selection.selectionSet) {
          collect(selection.selectionSet);
        }
      }
    };
    sets.forEach(collect);
    if (!fieldType) throw new Error(`No object field "${element}" on the deferred path ${queryPath.join('/')}`);
    type = fieldType;
    sets = next;
  }
  return type;
}

const FRAGMENT_PREFIX = '... on ';

type Test = (variables: Record<string, unknown>) => boolean;

/**
 * The routes of the operation to `queryPath` (fields by response name, fragments crossed as they come,
 * `... on T` by a fragment on T or as a filter only) that end at the block's deferred fragment (the one
 * with its `label`, when it has one): `active` tells whether, with given variables, one of them has
 * every @skip/@include along it and the @defer's own `if` passing; `selection` is what the fragment
 * selects, inside the fragments crossed after the path's last step.
 */
function compileRoutes(
  operation: Operation,
  queryPath: readonly string[],
  label: string | undefined,
): { active: Test; typeConditions: string[][]; selection: string | undefined } {
  const schema = operation.schema();
  const routes: Test[][] = [];
  // For each route, the type conditions of the fragments it crosses after the path's last step, the
  // deferred fragment's own included.
  const typeConditions: string[][] = [];
  // For each route, the deferred fragment's selections inside the fragments it crosses after the path's
  // last step (their type conditions and @skip/@include kept, their @defer not).
  const selections: string[] = [];
  let pruned = false;
  const walk = (set: SelectionSet, index: number, tests: Test[], conditions: string[] = [], heads: string[] = []): void => {
    for (const selection of set.selections()) {
      const skip = skipCondition(schema, selection);
      if (skip === 'always') {
        // A fragment or a field of the path that is always skipped: a route that may have led there.
        if (selection.kind !== 'FieldSelection' || selection.element.responseName() === queryPath[index]) pruned = true;
        continue;
      }
      const passed = skip ? [...tests, (variables: Record<string, unknown>) => !skip(variables)] : tests;
      if (selection.kind === 'FieldSelection') {
        const element = queryPath[index];
        if (element !== undefined && selection.element.responseName() === element && selection.selectionSet) {
          walk(selection.selectionSet, index + 1, passed);
        }
        continue;
      }
      if (!selection.selectionSet) continue;
      const condition = (selection.element as { typeCondition?: { name: string } }).typeCondition;
      const within = condition ? [...conditions, condition.name] : conditions;
      if (index === queryPath.length && (label === undefined || deferLabel(selection) === label)) {
        const deferred = deferCondition(selection);
        if (deferred === true) routes.push(passed);
        else if (typeof deferred === 'string') routes.push([...passed, (variables) => variables[deferred] === true]);
        if (deferred !== false) {
          typeConditions.push(within);
          const own = selection.selectionSet.toString(true, false);
          selections.push(
            heads.reduceRight((inner, head) => `${head} { ${inner} }`, condition ? `... on ${condition.name} { ${own} }` : own),
          );
        }
      }
      walk(selection.selectionSet, index, passed, within, [...heads, fragmentHead(selection)]);
      if (condition && queryPath[index] === `${FRAGMENT_PREFIX}${condition.name}`) walk(selection.selectionSet, index + 1, passed);
    }
    // A type condition the planner put in the path without a fragment of the operation there.
    if (queryPath[index]?.startsWith(FRAGMENT_PREFIX)) walk(set, index + 1, tests);
  };
  try {
    walk(operation.selectionSet, 0, []);
  } catch {
    return { active: () => true, typeConditions: [], selection: undefined };
  }
  // No route found: skipped where the walk stopped at a literal @skip/@include, else a path this walk
  // does not follow, delivered as the planner planned it.
  if (routes.length === 0) return { active: pruned ? () => false : () => true, typeConditions: [], selection: undefined };
  const found = typeConditions.some((conditions) => conditions.length === 0) ? [] : typeConditions;
  const selection = `{ ${selections.join(' ')} }`;
  if (routes.some((route) => route.length === 0)) return { active: () => true, typeConditions: found, selection };
  const defaults = operation.collectDefaultedVariableValues();
  const active: Test = (variables) => {
    const values = { __proto__: null, ...defaults, ...variables } as Record<string, unknown>;
    try {
      return routes.some((route) => route.every((test) => test(values)));
    } catch {
      return true;
    }
  };
  return { active, typeConditions: found, selection };
}

/** A fragment as the operation prints it (`... on T @include(if: $x)`), without its @defer. */
function fragmentHead(selection: Selection): string {
  const element = selection.element as FragmentElement;
  const condition = element.typeCondition ? ` on ${element.typeCondition.name}` : '';
  const directives = element.appliedDirectives.filter((directive) => directive.name !== 'defer').map(String);
  return `...${condition}${directives.length > 0 ? ` ${directives.join(' ')}` : ''}`;
}

/** Runs a plan node and resolves when its fetches are done; their errors go to `errors`, entities answered null to `unresolved`. */
export type RunNode = (node: PlanNode, errors: GraphQLError[], unresolved: UnresolvedEntity[]) => Promise<void>;

/** A DeferNode run whole, for a client that did not ask for incremental delivery: the primary, then every block. */
export async function runDeferredInline(node: DeferNode, run: (node: PlanNode) => Promise<void>): Promise<void> {
  if (node.primary.node) await run(node.primary.node);
  await Promise.all(node.deferred.map((deferred) => (deferred.node ? run(deferred.node) : undefined)));
}

export interface DeliveryShape {
  /** The merged subgraph data, which every fetch of the plan writes into. */
  fullResult: Record<string, unknown>;
  variables: Record<string, unknown> | undefined;
  introspection: Parameters<SubselectionProjection>[2];
  /** Whether an object whose `__typename` is `typename` is of the type `condition` names. */
  isOfType(typename: string, condition: string): boolean;
}

interface DoneBlock {
  deferred: DeferredNode;
  errors: GraphQLError[];
  unresolved: UnresolvedEntity[];
}

/**
 * One response's deferred blocks: started by `defer` as the plan reaches each DeferNode, delivered by
 * `payloads()` after the first payload (`start` with its shaped data). Closing the iterator (the client
 * went away) starts no further block and makes `closed` true, which the engine's fetch checks.
 */
export class IncrementalDelivery {
  readonly #blocks: Map<DeferredNode, CompiledDeferred>;
  readonly #shape: DeliveryShape;
  readonly #done: DoneBlock[] = [];
  #pending = 0;
  #wake: (() => void) | undefined;
  #closed = false;
  /** The response as the client has it: the first payload's data, then each part merged at its path. */
  #delivered: unknown;

  constructor(blocks: Map<DeferredNode, CompiledDeferred>, shape: DeliveryShape) {
    this.#blocks = blocks;
    this.#shape = shape;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether any block was deferred (a `@defer(if: false)` or a plan without one leaves none). */
  get hasNext(): boolean {
    return this.#pending > 0 || this.#done.length > 0;
  }

  /** Runs a DeferNode's primary block; its deferred blocks then run on their own. */
  async defer(node: DeferNode, errors: GraphQLError[], unresolved: UnresolvedEntity[], run: RunNode): Promise<void> {
    if (node.primary.node) await run(node.primary.node, errors, unresolved);
    for (const deferred of node.deferred) this.#start(deferred, run);
  }

  #start(deferred: DeferredNode, run: RunNode): void {
    if (this.#closed) return;
    this.#pending++;
    void (async () => {
      const errors: GraphQLError[] = [];
      const unresolved: UnresolvedEntity[] = [];
      let inner: DeferredNode[] = [];
      try {
        const node = deferred.node;
        if (node?.kind === 'Defer' && deferred.subselection === undefined) {
          if (node.primary.node) await run(node.primary.node, errors, unresolved);
          inner = node.deferred;
        } else if (node) {
          await run(node, errors, unresolved);
        }
      } catch (error) {
        errors.push(error instanceof GraphQLError ? error : new GraphQLError((error as Error)?.message ?? String(error)));
      }
      if (!this.#closed) {
        this.#done.push({ deferred, errors, unresolved });
        for (const child of inner) this.#start(child, run);
      }
      this.#pending--;
      this.#wake?.();
    })();
  }

  /** Stops: no further block starts, and the engine sends no further subgraph request. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** `payloads(initial)`, which `cancelSubsequentPayloads` can stop even while it waits for a part. */
  open(initial: unknown): AsyncGenerator<SubsequentPayload, void, undefined> {
    const payloads = this.payloads(initial);
    deliveries.set(payloads, this);
    return payloads;
  }

  /** The payloads after the first, whose data is `initial`: the parts ready at each step, in one payload. */
  async *payloads(initial: unknown): AsyncGenerator<SubsequentPayload, void, undefined> {
    // A copy: the first payload's data is the caller's, and the parts are merged into this one.
    this.#delivered = structuredClone(initial);
    try {
      for (;;) {
        while (this.#done.length === 0 && this.#pending > 0 && !this.#closed) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
        }
        if (this.#closed) return;
        const ready = this.#done.splice(0);
        const incremental = ready.flatMap((block) => this.#items(block));
        const hasNext = this.#pending > 0 || this.#done.length > 0;
        if (incremental.length === 0 && hasNext) continue;
        yield incremental.length > 0 ? { incremental, hasNext } : { hasNext };
        if (!hasNext) return;
      }
    } finally {
      this.close();
    }
  }

  /** A finished block's incremental items: its selection shaped at each path of the response it reaches. */
  #items({ deferred, errors, unresolved }: DoneBlock): IncrementalItem[] {
    const compiled = this.#blocks.get(deferred);
    if (!compiled) throw new Error('A deferred block of the plan was not compiled');
    if (!compiled.active(this.#shape.variables ?? {})) return [];
    const targets: { path: ResponsePath; input: Record<string, unknown>; delivered: Record<string, unknown> }[] = [];
    this.#targets(this.#delivered, this.#shape.fullResult, compiled.queryPath, compiled.typeConditions, 0, [], targets);
    const items: IncrementalItem[] = targets.map(({ path, input, delivered }) => {
      const { data, errors: valueCompletion } = compiled.projection
        ? compiled.projection(input, this.#shape.variables, this.#shape.introspection, path)
        : { data: {}, errors: [] };
      if (data) for (const inner of compiled.inner) fillSkeleton(data, input, inner, 0);
      // A copy: the part is the caller's to keep, and later parts are merged into what was delivered.
      if (data) mergeShaped(delivered, structuredClone(data));
      return {
        data: data as Record<string, unknown> | null,
        path,
        ...(compiled.label !== undefined && { label: compiled.label }),
        ...(valueCompletion.length > 0 && { extensions: { valueCompletion } }),
      };
    });
    // Each error goes with the part whose path is the longest prefix of its own, or else with the first.
    // A block that reaches no place of the response (its parent nulled, with its own error) has no part.
    for (const error of errors) {
      let best: IncrementalItem | undefined;
      if (error.path) {
        for (const item of items) if (isPrefix(item.path, error.path) && (!best || best.path.length < item.path.length)) best = item;
      }
      best ??= items[0];
      if (best) (best.errors ??= []).push(error);
    }
    // An entity a subgraph answered null for goes with the part it lies in, like an error.
    for (const entity of unresolved) {
      let best: IncrementalItem | undefined;
      for (const item of items) if (isPrefix(item.path, entity.path) && (!best || best.path.length < item.path.length)) best = item;
      if (best) ((best.extensions ??= {}).unresolvedEntities ??= []).push(entity);
    }
    return items;
  }

  #targets(
    delivered: unknown,
    full: unknown,
    queryPath: readonly string[],
    typeConditions: readonly (readonly string[])[],
    index: number,
    path: ResponsePath,
    out: { path: ResponsePath; input: Record<string, unknown>; delivered: Record<string, unknown> }[],
  ): void {
    if (delivered === null || delivered === undefined || full === null || full === undefined) return;
    if (typeof delivered !== 'object' || typeof full !== 'object') return;
    if (Array.isArray(full)) {
      if (!Array.isArray(delivered)) return;
      for (let i = 0; i < full.length; i++) {
        path.push(i);
        this.#targets(delivered[i], full[i], queryPath, typeConditions, index, path, out);
        path.pop();
      }
      return;
    }
    if (index === queryPath.length) {
      const typename = (full as Record<string, unknown>).__typename;
      if (
        typeConditions.length > 0 &&
        typeof typename === 'string' &&
        !typeConditions.some((conditions) => conditions.every((condition) => this.#shape.isOfType(typename, condition)))
      ) {
        return;
      }
      out.push({ path: path.slice(), input: full as Record<string, unknown>, delivered: delivered as Record<string, unknown> });
      return;
    }
    const element = queryPath[index]!;
    if (element.startsWith(FRAGMENT_PREFIX)) {
      const typename = (full as Record<string, unknown>).__typename;
      const condition = element.slice(FRAGMENT_PREFIX.length);
      if (typeof typename === 'string' && !this.#shape.isOfType(typename, condition)) return;
      this.#targets(delivered, full, queryPath, typeConditions, index + 1, path, out);
      return;
    }
    path.push(element);
    this.#targets(own(delivered, element), own(full, element), queryPath, typeConditions, index + 1, path, out);
    path.pop();
  }
}

const deliveries = new WeakMap<object, IncrementalDelivery>();

/** Adds to `output` the fields of `path` it lacks, empty (`{}`, lists of them, nulls) as in `input`. */
function fillSkeleton(output: any, input: any, path: readonly string[], index: number): void {
  if (index === path.length || !output || !input || typeof output !== 'object' || typeof input !== 'object') return;
  if (Array.isArray(input)) {
    if (!Array.isArray(output)) return;
    for (let i = 0; i < input.length; i++) fillSkeleton(output[i], input[i], path, index);
    return;
  }
  const element = path[index]!;
  if (element.startsWith(FRAGMENT_PREFIX)) {
    fillSkeleton(output, input, path, index + 1);
    return;
  }
  const value = own(input, element);
  if (value === undefined) return;
  if (own(output, element) === undefined) {
    const empty = skeletonOf(value);
    if (empty === undefined) return;
    output[element] = empty;
  }
  fillSkeleton(output[element], value, path, index + 1);
}

function skeletonOf(value: unknown): unknown {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(skeletonOf);
  return typeof value === 'object' ? {} : undefined;
}

/**
 * Stops a response's deferred parts at once (the client went away): no further block or subgraph
 * request starts, and the iterator ends, even if it is waiting for a part.
 */
export function cancelSubsequentPayloads(payloads: AsyncGenerator<SubsequentPayload, void, undefined>): void {
  deliveries.get(payloads)?.close();
  void payloads.return();
}

function isPrefix(prefix: readonly (string | number)[], path: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}

function own(object: any, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Merges a part's shaped data into the response delivered so far (objects by key, lists by index). */
export function mergeShaped(target: any, source: any): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    const existing = own(target, key);
    if (existing && value && typeof existing === 'object' && typeof value === 'object') {
      if (Array.isArray(existing) && Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (existing[i] && value[i] && typeof existing[i] === 'object' && typeof value[i] === 'object')
            mergeShaped(existing[i], value[i]);
          else existing[i] = value[i];
        }
      } else {
        mergeShaped(existing, value);
      }
    } else if (existing === undefined || value === null) {
      if (key in Object.prototype && !Object.hasOwn(target, key)) {
        Object.defineProperty(target, key, { configurable: true, enumerable: true, value, writable: true });
      } else {
        target[key] = value;
      }
    }
  }
}
