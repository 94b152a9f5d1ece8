import {
  assert,
  ERRORS,
  isAbstractType,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  typenameFieldName,
  Variable,
  type CompositeType,
  type EnumType,
  type FieldSelection,
  type NamedType,
  type Operation,
  type ScalarType,
  type Schema,
  type Selection,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * The response's shape, compiled once per operation: the merged subgraph data projected over the
 * operation on the API schema (aliases, fragments by __typename, @skip/@include, non-null bubbling),
 * with the same result and the same errors, in the same order, as @apollo/gateway's `computeResponse`,
 * without walking the operation's federation objects (directive lookups, type lookups) per request.
 */
export interface ShapeContext {
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspection: (selection: FieldSelection) => unknown;
}

export type Projection = (
  input: Record<string, unknown>,
  variables: Record<string, unknown> | undefined,
  introspection: ShapeContext['introspection'],
) => { data: unknown; errors: GraphQLError[] };

type Path = (string | number)[];
/** Applies a selection set; true when a non-null field came back null and the object is null in its parent. */
type ApplySet = (input: any, output: any, ctx: ShapeContext, path: Path, parentType: NamedType) => boolean;
/** Completes one value; reports through `flags` as `updateOutputValue` does through its result object. */
type Complete = (outputValue: unknown, inputValue: unknown, ctx: ShapeContext, path: Path, parentType: NamedType) => unknown;

// Set by each Complete before it returns, read by its caller right after: the calls are synchronous.
const flags = { invalid: false, hasErrors: false };

/**
 * What a projection leaves out. `deferred`: the inline fragments under an active `@defer` (a literal
 * `if: true` or none, or an `if` variable that is true), which is the first payload of an incremental
 * response; they come later, each shaped by `compileSubselectionProjection`.
 */
export interface ProjectionOptions {
  excludeDeferred?: boolean;
}

// Read by `compileSkip` while a projection compiles (synchronously), so the compile functions need no extra parameter.
let compiling: ProjectionOptions = {};

export function compileProjection(operation: Operation, options: ProjectionOptions = {}): Projection {
  const previous = compiling;
  compiling = options;
  try {
    return compileOperationProjection(operation);
  } finally {
    compiling = previous;
  }
}

/** A deferred part's data: its selection over the object at `path`, with errors whose paths start at `path`. */
export type SubselectionProjection = (
  input: Record<string, unknown>,
  variables: Record<string, unknown> | undefined,
  introspection: ShapeContext['introspection'],
  path: Path,
) => { data: unknown; errors: GraphQLError[] };

/**
 * The projection of one selection set over an object of `parentType` (a deferred fragment's selection,
 * as the planner prints it for its block), with the operation's defaulted variables.
 */
export function compileSubselectionProjection(
  operation: Operation,
  parentType: CompositeType,
  selectionSet: SelectionSet,
): SubselectionProjection {
  const schema = operation.schema();
  const typeNamed = typeLookup(schema);
  const defaults = operation.collectDefaultedVariableValues();
  const hasDefaults = Object.keys(defaults).length > 0;
  const previous = compiling;
  compiling = { excludeDeferred: true };
  let apply: ApplySet;
  let plainObjects = true;
  try {
    const newObject = collectsPrototypeName(selectionSet) ? () => Object.create(null) : () => ({});
    apply = compileSelectionSet(schema, typeNamed, selectionSet, newObject);
    plainObjects = !collectsPrototypeName(selectionSet);
  } finally {
    compiling = previous;
  }
  return (input, variables, introspection, path) => {
    const ctx: ShapeContext = {
      variables: hasDefaults || !variables ? { __proto__: null, ...defaults, ...variables } : variables,
      errors: [],
      introspection,
    };
    if (input === null || input === undefined) return { data: null, errors: [] };
    const typename = (input as Record<string, unknown>)[typenameFieldName];
    const objType = (typeof typename === 'string' && typeNamed(typename)) || parentType;
    const data = plainObjects ? {} : Object.create(null);
    const bubbled = apply(input, data, ctx, Array.from(path), objType);
    return { data: bubbled ? null : data, errors: ctx.errors };
  };
}

/** The schema's types by name, each looked up once. */
function typeLookup(schema: ReturnType<Operation['schema']>): (name: string) => NamedType | undefined {
  const types = new Map<string, NamedType | undefined>();
  return (name) => {
    let type = types.get(name);
    if (type === undefined && !types.has(name)) {
      type = schema.type(name);
      types.set(name, type);
    }
    return type;
  };
}

function compileOperationProjection(operation: Operation): Projection {
  const schema = operation.schema();
  const typeNamed = typeLookup(schema);
  const defaults = operation.collectDefaultedVariableValues();
  const hasDefaults = Object.keys(defaults).length > 0;
  // Plain objects are far cheaper to build and serialize than null-prototype ones (which V8 keeps as
  // dictionaries); they are safe unless a response name is also a member of Object.prototype.
  const newObject = collectsPrototypeName(operation.selectionSet) ? () => Object.create(null) : () => ({});
  const root = compileSelectionSet(schema, typeNamed, operation.selectionSet, newObject);
  const rootType = schema.schemaDefinition.rootType(operation.rootKind)!;
  return (input, variables, introspection) => {
    if (!input) return { data: input, errors: [] };
    const ctx: ShapeContext = {
      variables: hasDefaults || !variables ? { __proto__: null, ...defaults, ...variables } : variables,
      errors: [],
      introspection,
    };
    const data = newObject();
    const bubbled = root(input, data, ctx, [], rootType);
    return { data: bubbled ? null : data, errors: ctx.errors };
  };
}

type SkipTest = ((variables: Record<string, unknown>) => boolean) | undefined;

/** @skip/@include on a selection: constant when its `if` is a literal, a variable lookup otherwise. */
function compileSkip(schema: Schema, selection: Selection, withDefer = true): SkipTest | 'always' {
  const element = selection.element;
  const skip = element.appliedDirectivesOf(schema.skipDirective())[0];
  const include = element.appliedDirectivesOf(schema.includeDirective())[0];
  const deferred = withDefer && compiling.excludeDeferred ? deferCondition(selection) : false;
  if (deferred === true) return 'always';
  if (typeof deferred === 'string') {
    const inner = !skip && !include ? undefined : compileSkip(schema, selection, false);
    if (inner === 'always') return 'always';
    return (variables) => own(variables, deferred) === true || (inner !== undefined && inner(variables));
  }
  if (!skip && !include) return undefined;
  const condition = (directive: typeof skip) => {
    const value = directive!.arguments().if;
    if (value instanceof Variable) {
      const name = value.name;
      return (variables: Record<string, unknown>) => {
        const v = own(variables, name);
        assert(v !== undefined && typeof v === 'boolean', () => `Unexpected value ${v} for variable ${value} of ${directive}`);
        return v;
      };
    }
    return value as boolean;
  };
  const skipIf = skip ? condition(skip) : false;
  const includeIf = include ? condition(include) : true;
  if (typeof skipIf === 'boolean' && typeof includeIf === 'boolean') return skipIf || !includeIf ? 'always' : undefined;
  return (variables) =>
    (typeof skipIf === 'boolean' ? skipIf : skipIf(variables)) || !(typeof includeIf === 'boolean' ? includeIf : includeIf(variables));
}

/** A selection's @skip/@include alone: 'always' skipped, a test of the variables, or undefined (never skipped). */
export function skipCondition(schema: Schema, selection: Selection): SkipTest | 'always' {
  return compileSkip(schema, selection, false);
}

/** A fragment's @defer arguments, or undefined when it is not deferred. */
function deferArgs(selection: Selection): { if?: boolean | Variable; label?: string } | undefined {
  if (selection.kind !== 'FragmentSelection') return undefined;
  const element = selection.element as { deferDirectiveArgs?: () => { if?: boolean | Variable; label?: string } | undefined };
  return element.deferDirectiveArgs?.();
}

/** Whether an inline fragment is deferred: always (true), never (false), or when the named variable is true. */
export function deferCondition(selection: Selection): boolean | string {
  const args = deferArgs(selection);
  if (!args) return false;
  const condition = args.if;
  if (condition === undefined) return true;
  if (condition instanceof Variable) return condition.name;
  return condition;
}

/** The label of a deferred fragment's @defer, if any. */
export function deferLabel(selection: Selection): string | undefined {
  return deferArgs(selection)?.label;
}

function compileSelectionSet(
  schema: Schema,
  typeNamed: (name: string) => NamedType | undefined,
  selectionSet: SelectionSet,
  newObject: () => any,
): ApplySet {
  const steps: ApplySet[] = [];
  for (const selection of selectionSet.selections()) {
    const skip = compileSkip(schema, selection);
    if (skip === 'always') continue;
    const step =
      selection.kind === 'FieldSelection'
        ? compileField(schema, typeNamed, selection, newObject)
        : compileFragment(schema, typeNamed, selection, newObject);
    steps.push(skip ? (input, output, ctx, path, parentType) => !skip(ctx.variables) && step(input, output, ctx, path, parentType) : step);
  }
  const count = steps.length;
  if (count === 1) return steps[0]!;
  return (input, output, ctx, path, parentType) => {
    for (let i = 0; i < count; i++) if (steps[i]!(input, output, ctx, path, parentType)) return true;
    return false;
  };
}

function compileField(
  schema: Schema,
  typeNamed: (name: string) => NamedType | undefined,
  selection: FieldSelection,
  newObject: () => any,
): ApplySet {
  const field = selection.element;
  const responseName = field.responseName();
  if (field.definition.isSchemaIntrospectionField()) {
    return (_input, output, ctx) => {
      if (output[responseName] === undefined) output[responseName] = ctx.introspection(selection);
      return false;
    };
  }
  if (field.name === typenameFieldName) {
    const aliased = responseName !== typenameFieldName;
    return (input, output, _ctx, _path, parentType) => {
      if (output[responseName] !== undefined) return false;
      let inputValue = own(input, responseName) ?? null;
      if (inputValue === null && aliased) inputValue = input[typenameFieldName] ?? null;
      const type = inputValue !== null && typeof inputValue === 'string' ? (typeNamed(inputValue) ?? parentType) : parentType;
      if (!isObjectType(type)) return true;
      output[responseName] = type.name;
      return false;
    };
  }
  const complete = compileValue(schema, typeNamed, field.definition.type!, selection.selectionSet, newObject);
  return (input, output, ctx, path, parentType) => {
    path.push(responseName);
    output[responseName] = complete(output[responseName], own(input, responseName) ?? null, ctx, path, parentType);
    path.pop();
    return flags.invalid;
  };
}

function compileFragment(
  schema: Schema,
  typeNamed: (name: string) => NamedType | undefined,
  selection: Selection,
  newObject: () => any,
): ApplySet {
  const condition = (selection.element as { typeCondition?: CompositeType }).typeCondition;
  const apply = compileSelectionSet(schema, typeNamed, selection.selectionSet!, newObject);
  if (!condition) {
    return (input, output, ctx, path, parentType) => {
      const typename = input[typenameFieldName];
      assert(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${typename}`);
      return apply(input, output, ctx, path, parentType);
    };
  }
  const byTypename = new Map<string, boolean>();
  const byParent = new Map<NamedType, boolean>();
  return (input, output, ctx, path, parentType) => {
    const typename = input[typenameFieldName];
    assert(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${typename}`);
    let applies: boolean | undefined;
    if (typename) {
      applies = byTypename.get(typename);
      if (applies === undefined) {
        const type = typeNamed(typename);
        applies = !!type && isSubtype(condition, type);
        byTypename.set(typename, applies);
      }
    } else {
      applies = byParent.get(parentType);
      if (applies === undefined) {
        applies = isSubtype(condition, parentType);
        byParent.set(parentType, applies);
      }
    }
    return applies && apply(input, output, ctx, path, condition);
  };
}

function describe(path: Path, currentType: string, parentType: NamedType) {
  const element = path[path.length - 1];
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${currentType} at index ${element}`;
}

function done(value: unknown, invalid: boolean, hasErrors: boolean) {
  flags.invalid = invalid;
  flags.hasErrors = hasErrors;
  return value;
}

function compileValue(
  schema: Schema,
  typeNamed: (name: string) => NamedType | undefined,
  type: Type,
  selectionSet: SelectionSet | undefined,
  newObject: () => any,
): Complete {
  const hasSelections = !!selectionSet;
  if (isNonNullType(type)) {
    const inner = compileValue(schema, typeNamed, type.ofType, selectionSet, newObject);
    const innerName = String(type.ofType);
    return (outputValue, inputValue, ctx, path, parentType) => {
      if (outputValue === null || (outputValue !== undefined && !hasSelections)) return done(outputValue, false, false);
      const updated = inner(outputValue, inputValue, ctx, path, parentType);
      if (updated === null) {
        if (!flags.hasErrors) {
          ctx.errors.push(
            ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(path, innerName, parentType)}.`, {
              path: Array.from(path),
            }),
          );
        }
        return done(null, true, true);
      }
      return done(updated, false, false);
    };
  }
  if (isListType(type)) {
    const element = compileValue(schema, typeNamed, type.ofType, selectionSet, newObject);
    return (outputValue, inputValue, ctx, path, parentType) => {
      if (outputValue === null || (outputValue !== undefined && !hasSelections)) return done(outputValue, false, false);
      if (inputValue === null) return done(null, false, false);
      assert(Array.isArray(inputValue), () => `Invalid non-list value ${inputValue} returned by subgraph for list type ${type}`);
      assert(
        outputValue === undefined || Array.isArray(outputValue),
        () => `Invalid non-list value ${outputValue} returned by subgraph for list type ${type}`,
      );
      const length = inputValue.length;
      const outputs = outputValue as unknown[] | undefined;
      assert(
        outputs === undefined || length === outputs.length,
        () => `[${inputValue}].length (${length}) !== [${outputs}].length (${outputs!.length})`,
      );
      let shouldNullify = false;
      let hasErrors = false;
      const updated = new Array(length);
      for (let i = 0; i < length; i++) {
        path.push(i);
        updated[i] = element(outputs === undefined ? undefined : outputs[i], inputValue[i], ctx, path, parentType);
        path.pop();
        if (flags.invalid) shouldNullify = true;
        if (flags.hasErrors) hasErrors = true;
      }
      return done(shouldNullify ? null : updated, false, hasErrors);
    };
  }
  if (isCompositeType(type)) {
    const apply = selectionSet ? compileSelectionSet(schema, typeNamed, selectionSet, newObject) : undefined;
    const typeName = String(type);
    return (outputValue, inputValue, ctx, path, parentType) => {
      if (outputValue === null || (outputValue !== undefined && !hasSelections)) return done(outputValue, false, false);
      if (inputValue === null) return done(null, false, false);
      assert(apply, () => `Invalid empty selection set for composite type ${type}`);
      assert(
        typeof inputValue === 'object',
        () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
      );
      assert(
        outputValue === undefined || typeof outputValue === 'object',
        () => `Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`,
      );
      const inputTypename = (inputValue as Record<string, unknown>)[typenameFieldName];
      assert(
        inputTypename === undefined || typeof inputTypename === 'string',
        () => `Invalid non-string value ${inputTypename} for __typename at ${path}`,
      );
      let objType: NamedType = type;
      if (inputTypename) {
        const typenameType = typeNamed(inputTypename);
        if (!typenameType || !isCompositeType(typenameType)) {
          ctx.errors.push(
            ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describe(path, typeName, parentType)}.`, {
              path: Array.from(path),
            }),
          );
          return done(null, false, true);
        }
        objType = typenameType;
      }
      const output = outputValue === undefined ? newObject() : outputValue;
      const bubbled = apply(inputValue, output, ctx, path, objType);
      return done(bubbled ? null : output, false, bubbled);
    };
  }
  const isValid = leafCheck(schema, type as ScalarType | EnumType);
  const typeName = String(type);
  return (outputValue, inputValue, ctx, path, parentType) => {
    if (outputValue === null || (outputValue !== undefined && !hasSelections)) return done(outputValue, false, false);
    if (inputValue === null) return done(null, false, false);
    assert(outputValue === undefined, () => `Excepted output to be undefined but got ${type} for type ${type}`);
    const valid = isValid(inputValue);
    if (!valid)
      ctx.errors.push(
        ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, typeName, parentType)}.`, { path: Array.from(path) }),
      );
    return done(valid ? inputValue : null, false, !valid);
  };
}

/**
 * Whether the projection would return `data` as it is, key for key and in the same order, with no
 * error: what lets a one-fetch plan pass its subgraph's answer through as its text (`passThrough.ts`).
 * A subgraph that answers what it was asked, by the supergraph's types, passes; one whose schema has
 * drifted (a null in a non-null field, a value of another type, a field missing or not asked for) does
 * not, and its answer is shaped, with the errors @apollo/gateway would report.
 */
export type PassThroughCheck = (data: Record<string, unknown>, variables: Record<string, unknown> | undefined) => boolean;

type Check = (value: unknown, variables: Record<string, unknown>) => boolean;

/**
 * The {@link PassThroughCheck} of an operation, compiled once per plan; undefined where the operation
 * selects what it does not prove (an abstract type, introspection, a fragment on another type than its
 * parent, a response name selected twice under a condition or with sub-selections): those are shaped.
 */
export function compilePassThroughCheck(operation: Operation): PassThroughCheck | undefined {
  const schema = operation.schema();
  const rootType = schema.schemaDefinition.rootType(operation.rootKind);
  if (!rootType) return undefined;
  const check = compileObjectCheck(schema, operation.selectionSet, rootType);
  if (!check) return undefined;
  const defaults = operation.collectDefaultedVariableValues();
  const hasDefaults = Object.keys(defaults).length > 0;
  return (data, variables) => {
    const values = hasDefaults || !variables ? { __proto__: null, ...defaults, ...variables } : variables;
    try {
      return check(data, values);
    } catch {
      // A condition on a variable that is not a boolean: the projection reports it.
      return false;
    }
  };
}

/** One response name of an object: the check of its value, and when it is there (undefined: always). */
interface Member {
  name: string;
  check: Check;
  skipped: ((variables: Record<string, unknown>) => boolean) | undefined;
  leafField: string | undefined;
}

function compileObjectCheck(schema: Schema, selectionSet: SelectionSet, parentType: CompositeType): Check | undefined {
  if (isAbstractType(parentType)) return undefined;
  const members: Member[] = [];
  const collect = (set: SelectionSet, conditions: ((variables: Record<string, unknown>) => boolean)[]): boolean => {
    for (const selection of set.selections()) {
      const skip = compileSkip(schema, selection, false);
      if (skip === 'always') continue;
      const within = skip ? [...conditions, skip] : conditions;
      if (selection.kind !== 'FieldSelection') {
        const typeCondition = (selection.element as { typeCondition?: CompositeType }).typeCondition;
        if (typeCondition && typeCondition.name !== parentType.name) return false;
        if (!collect(selection.selectionSet!, within)) return false;
        continue;
      }
      const field = selection.element;
      if (field.definition.isSchemaIntrospectionField()) return false;
      const name = field.responseName();
      const leafField = selection.selectionSet ? undefined : field.name;
      const existing = members.find((member) => member.name === name);
      if (existing) {
        // The same leaf again, both always there: one key, checked once.
        if (existing.skipped || within.length > 0 || !leafField || existing.leafField !== leafField) return false;
        continue;
      }
      const check =
        field.name === typenameFieldName
          ? (value: unknown) => value === parentType.name
          : compileValueCheck(schema, field.definition.type!, selection.selectionSet);
      if (!check) return false;
      const skipped = within.length === 0 ? undefined : (variables: Record<string, unknown>) => within.some((test) => test(variables));
      members.push({ name, check, skipped, leafField });
    }
    return true;
  };
  if (!collect(selectionSet, [])) return undefined;
  const count = members.length;
  return (value, variables) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    let i = 0;
    for (const key in value) {
      while (i < count && members[i]!.skipped?.(variables)) i++;
      const member = members[i];
      if (member === undefined || member.name !== key || !member.check((value as Record<string, unknown>)[key], variables)) return false;
      i++;
    }
    while (i < count && members[i]!.skipped?.(variables)) i++;
    return i === count;
  };
}

function compileValueCheck(schema: Schema, type: Type, selectionSet: SelectionSet | undefined): Check | undefined {
  if (isNonNullType(type)) {
    const inner = compileValueCheck(schema, type.ofType, selectionSet);
    return inner && ((value, variables) => value !== null && inner(value, variables));
  }
  let check: Check | undefined;
  if (isListType(type)) {
    const element = compileValueCheck(schema, type.ofType, selectionSet);
    check =
      element &&
      ((value, variables) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i], variables)) return false;
        return true;
      });
  } else if (isCompositeType(type)) {
    check = selectionSet && compileObjectCheck(schema, selectionSet, type);
  } else {
    // As the projection, which lets a valid leaf through as it is.
    const isValid = leafCheck(schema, type as ScalarType | EnumType);
    check = (value) => value !== undefined && isValid(value);
  }
  return check && ((value, variables) => value === null || check(value, variables));
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * `isValidLeafValue(schema, value, leaf)` of @apollo/federation-internals, the value's JSON type
 * checked against the leaf's, with the leaf's kind decided once at compile time instead of comparing
 * it with the schema's built-in types on every value: a custom scalar takes anything, Boolean a
 * boolean, Int an integer, ID a string or an integer, Float a finite number, an enum one of its
 * values' names, String a string.
 */
export function leafCheck(schema: Schema, leaf: ScalarType | EnumType): (value: unknown) => boolean {
  if (isCustomScalarType(leaf)) return () => true;
  const integer = (value: unknown) =>
    typeof value === 'number' && (Number.isSafeInteger(value) || (Number.isFinite(value) && INTEGER.test(String(value))));
  if (leaf === schema.booleanType()) return (value) => typeof value === 'boolean';
  if (leaf === schema.intType()) return integer;
  if (leaf === schema.idType()) return (value) => typeof value === 'string' || integer(value);
  if (leaf === schema.floatType()) return (value) => typeof value === 'number' && Number.isFinite(value);
  if (isEnumType(leaf)) {
    const names = new Set(leaf.values.map((value) => value.name));
    return (value) => typeof value === 'string' && names.has(value);
  }
  return (value) => typeof value === 'string';
}

function collectsPrototypeName(selectionSet: SelectionSet): boolean {
  return selectionSet
    .selections()
    .some(
      (selection) =>
        (selection.kind === 'FieldSelection' && selection.element.responseName() in Object.prototype) ||
        (!!selection.selectionSet && collectsPrototypeName(selection.selectionSet)),
    );
}

function own(object: any, key: string): any {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
