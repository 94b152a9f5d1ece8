import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEMO, ErrorCode } from '@iris/core';
import fc from 'fast-check';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isLeafType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * Bad input everywhere: malformed bodies, documents and variables, thrown at the gateway and at each
 * subgraph directly. Whatever comes in, the answer is a GraphQL error a client can act on: a 2xx/4xx
 * status, a JSON body with `errors[].extensions.code` from a known set, and nothing internal (no stack,
 * SQL, file path or database error text). Seeded and bounded: the same cases run every time.
 */

const SEED = 20_260_611;
/** Scales every run count (FUZZ_SCALE=5 for a longer hunt). */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

const KNOWN_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);
const ACTIONABLE_STATUS = new Set([200, 400, 401, 403, 404, 405, 406, 413, 415, 429]);

/** Text that must never reach a client: stacks, SQL, paths, Prisma / PostgreSQL / Node internals. */
const LEAKS: [string, RegExp][] = [
  ['stack trace', /\n\s+at [^\n]+:\d+:\d+|\bat (?:async )?[\w.<>]+ \([^)]*:\d+:\d+\)/],
  ['stacktrace extension', /"(?:stacktrace|exception)"\s*:/],
  ['file path', /\/work\/|node_modules|file:\/\/|\.ts:\d+/],
  ['SQL', /\b(?:SELECT|INSERT INTO|DELETE FROM|UPDATE "|RETURNING)\b|syntax error at or near/],
  ['Prisma', /prisma|Invalid `|\bP[1-3]\d{3}\b|ConnectorError|DriverAdapterError/i],
  [
    'PostgreSQL',
    /violates|duplicate key|relation "|invalid input syntax|invalid byte sequence|out of range for type|value too long for type|ECONNREFUSED|PGlite/i,
  ],
  ['JS internals', /TypeError|ReferenceError|RangeError|Cannot read propert|is not a function|undefined is not/],
];

interface Target {
  name: string;
  url: string;
  origin: string;
  schema: GraphQLSchema;
  /** Root fields a client may call here, with an operation for each. */
  operations: Operation[];
}

interface Operation {
  kind: 'query' | 'mutation';
  field: string;
  document: string;
  args: { name: string; type: GraphQLInputType }[];
}

interface Violation {
  target: string;
  kind: string;
  problem: string;
  request: string;
  response: string;
}

let graph: TestGraph;
let userToken: string;
let adminToken: string;
let targets: Target[];
const violations: Violation[] = [];
const counts: Record<string, Record<string, number>> = {};
const codesSeen: Record<string, number> = {};

const clip = (text: string, max = 400) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

interface Sent {
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** A successful `data` answer is fine (the input happened to be valid). */
  mayPass?: boolean;
  /** A path that may be another route than GraphQL, whose success need not be JSON. */
  otherRoute?: boolean;
  /** Sent chunked, without a content-length. */
  stream?: boolean;
  /** Shown when it fails. */
  label?: string;
}

/** Sends one request and records what is wrong with the answer; never throws. */
async function probe(target: Target, kind: string, sent: Sent): Promise<void> {
  counts[target.name] ??= {};
  counts[target.name]![kind] = (counts[target.name]![kind] ?? 0) + 1;
  const href = `${target.origin}${sent.path ?? new URL(target.url).pathname}${sent.query !== undefined ? `?${sent.query}` : ''}`;
  const request = clip(
    `${sent.method ?? 'POST'} ${clip(href, 200)} ${sent.label ?? (typeof sent.body === 'string' ? sent.body : sent.body ? `<${sent.body.length} bytes>` : '')}`,
  );
  const fail = (problem: string, response = '') =>
    violations.push({ target: target.name, kind, problem, request, response: clip(response) });
  let status: number;
  let text: string;
  try {
    const response = await fetch(href, {
      method: sent.method ?? 'POST',
      headers: sent.headers ?? {},
      ...(sent.body !== undefined ? { body: (sent.stream ? chunked(sent.body) : sent.body) as RequestInit['body'], duplex: 'half' } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    fail(`no answer: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`);
    return;
  }
  if (sent.otherRoute && status < 300) return; // a route that is not GraphQL (the playground, JWKS)
  if (!ACTIONABLE_STATUS.has(status)) fail(`status ${status}`, text);
  let body: Result;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`status ${status}, body is not JSON`, text);
    return;
  }
  for (const [what, pattern] of LEAKS)
    if (pattern.test(text))
      fail(
        `${what} in the answer`,
        text.match(pattern)?.index !== undefined ? text.slice(Math.max(0, text.search(pattern) - 150), text.search(pattern) + 150) : text,
      );
  // A batch (where the gateway allows them) answers one result per operation.
  if (Array.isArray(body) && body.length > 0 && sent.mayPass && status === 200) {
    for (const item of body) checkResult(item, status, text, sent, fail);
    return;
  }
  checkResult(body, status, text, sent, fail);
}

type Result = { data?: unknown; errors?: { message?: unknown; extensions?: { code?: unknown } }[] };

function checkResult(body: Result, status: number, text: string, sent: Sent, fail: (problem: string, response?: string) => void): void {
  if (body && typeof body === 'object' && !Array.isArray(body) && body.errors === undefined && body.data != null && status === 200) {
    if (!sent.mayPass) fail('answered with data to input that cannot be valid', text);
    return;
  }
  if (!body || typeof body !== 'object' || !Array.isArray(body.errors) || body.errors.length === 0) {
    fail(`status ${status}, not a GraphQL error`, text);
    return;
  }
  for (const error of body.errors) {
    const code = error?.extensions?.code;
    if (typeof error?.message !== 'string' || error.message.length === 0) fail('an error without a message', text);
    if (typeof code !== 'string') fail('an error without extensions.code', text);
    else {
      codesSeen[code] = (codesSeen[code] ?? 0) + 1;
      if (!KNOWN_CODES.has(code)) fail(`unknown code ${code}`, text);
      if (code === ErrorCode.INTERNAL_SERVER_ERROR) fail('INTERNAL_SERVER_ERROR for bad input', text);
    }
  }
}

function chunked(body: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + 1024 * 1024));
      at += 1024 * 1024;
    },
  });
}

const json = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const withToken = (sent: Sent, token: string | undefined): Sent =>
  token ? { ...sent, headers: { ...sent.headers, authorization: `Bearer ${token}` } } : sent;

// ---------------------------------------------------------------------------------------------
// Operations from the schema

function selectionFor(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named) || depth <= 0) return '{ __typename }';
  const fields = Object.values(named.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  const leaves = fields
    .filter((f) => isLeafType(getNamedType(f.type)))
    .slice(0, 6)
    .map((f) => f.name);
  const nested = fields
    .filter((f) => !isLeafType(getNamedType(f.type)))
    .slice(0, 2)
    .map((f) => `${f.name} ${selectionFor(f.type, depth - 1)}`);
  return `{ __typename ${[...leaves, ...nested].join(' ')} }`;
}

function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): Operation {
  const args = field.args.map((a) => ({ name: a.name, type: a.type }));
  const definitions = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const document = `${kind} Fuzz${definitions ? `(${definitions})` : ''} { ${field.name}${call} ${selectionFor(field.type, 2)} }`;
  return { kind, field: field.name, document, args };
}

/** Mutations that would end the session the rest of the run signs in with. */
const SPARED = new Set(['logout', 'changePassword', 'removeMember', 'setAccountStatus', 'updateAccount', 'deleteUserDataByOwner']);

function operationsOf(schema: GraphQLSchema): Operation[] {
  const ops: Operation[] = [];
  for (const [kind, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (field.name.startsWith('__') || SPARED.has(field.name)) continue;
      ops.push(operationFor(kind, field));
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Values

const CURSOR_SORTS = [
  'action.id',
  'analysisJob.id',
  'deviceMode.id',
  'deviceData.id',
  'notification.id',
  'user.id',
  'order.id',
  'apiKey.id',
  'profile.id',
  'mark.createdAt.desc',
  'mark.device.asc',
];
const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff\ud800',
    '%00',
    '../../etc/passwd',
    "' OR '1'='1",
    '${7*7}',
    '<script>x</script>',
    'NaN',
    'null',
    '-0',
    '1e309',
    '\u202e\u0000',
  ),
  fc.integer({ min: 101, max: 20_000 }).map((n) => 'x'.repeat(n)),
);
const hostileId = fc.oneof(
  hostileText,
  fc.uuid().map(String),
  fc.constantFrom(
    DEMO.device.id,
    DEMO.deviceGroup.id,
    DEMO.app.id,
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '0190a000-0000-7000-8000-00000000020',
    '0190a000-0000-7000-8000-0000000002011',
    '-1',
    '0',
    '9223372036854775808',
    '99999999999999999999999',
  ),
);
const hostileCursor = fc.oneof(
  hostileText,
  fc.base64String({ maxLength: 60 }),
  fc.jsonValue({ maxDepth: 2 }).map(b64url),
  fc
    .tuple(
      fc.constantFrom(...CURSOR_SORTS),
      fc.array(
        fc.oneof(
          fc.constantFrom(
            'not-a-uuid',
            '\u0000',
            '99999999999999999999',
            '-99999999999999999999',
            '+275760-09-13T00:00:00.000Z',
            '-271821-04-20T00:00:00.000Z',
            '0000-01-01T00:00:00Z',
            'x'.repeat(5000),
            DEMO.device.id,
          ),
          fc.jsonValue({ maxDepth: 1 }),
          fc.double(),
        ),
        { minLength: 0, maxLength: 3 },
      ),
    )
    .map(([sort, values]) => b64url([sort, ...values])),
);
const hostileDate = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '2026-02-30T00:00:00Z',
    '2026-01-01',
    'now',
    '',
    '1970-01-01T00:00:00+25:00',
  ),
  hostileText,
);
const hostileBase64 = fc.oneof(
  fc.base64String({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  fc
    .uint8Array({ maxLength: 64 })
    .map((bytes) => `data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), bytes]).toString('base64')}`),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), bytes]).toString('base64')),
  hostileText,
);

function stringFor(name: string): fc.Arbitrary<string> {
  const lower = name.toLowerCase();
  if (lower.includes('base64') || lower === 'image') return hostileBase64;
  if (lower === 'after' || lower === 'before' || lower.includes('cursor')) return hostileCursor;
  if (lower.endsWith('id') || lower.endsWith('ids')) return hostileId;
  if (lower.includes('email')) return fc.oneof(fc.emailAddress(), hostileText);
  return hostileText;
}

/** A value of the declared type (so it passes variable coercion) with hostile content. */
function typedValue(type: GraphQLInputType, name: string, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return typedValue(type.ofType, name, depth);
  if (isListType(type)) return fc.array(typedValue(type.ofType, name, depth + 1), { maxLength: 6 });
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant({});
    const fields = Object.values(type.getFields());
    const shape = Object.fromEntries(fields.map((f) => [f.name, typedValue(f.type, f.name, depth + 1)]));
    const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
    return fc.record(shape, { requiredKeys: required as never });
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return fc.oneof(
          fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
          fc.constantFrom(0, -1, 2_147_483_647, -2_147_483_648, 1_000_000),
        );
      case 'Float':
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0.5, 1e308, -1e308, 5e-324));
      case 'Boolean':
        return fc.boolean();
      case 'DateTime':
        return hostileDate;
      case 'ID':
        return hostileId;
      case 'String':
        return stringFor(name);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }
  return fc.jsonValue({ maxDepth: 1 });
}

/** Values of the wrong type: where the schema wants a string, a number; where an object, a list... */
const wrongValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    1.5,
    -1,
    2 ** 31,
    2 ** 53 + 1,
    true,
    'TRUE',
    '',
    [],
    {},
    [null],
    JSON.parse('{"__proto__": 1}'),
    { constructor: { prototype: 1 } },
    'x'.repeat(300),
  ),
);

function variablesFor(op: Operation, mode: 'typed' | 'wrong'): fc.Arbitrary<Record<string, unknown>> {
  if (op.args.length === 0) return fc.constant({});
  if (mode === 'typed') {
    return fc.record(Object.fromEntries(op.args.map((a) => [a.name, typedValue(a.type, a.name)])), {
      requiredKeys: op.args.filter((a) => isNonNullType(a.type)).map((a) => a.name) as never,
    });
  }
  // Wrong: at least one argument replaced or corrupted (an unknown field, a missing required one).
  return fc
    .tuple(
      variablesFor(op, 'typed'),
      fc.constantFrom(...op.args.map((a) => a.name)),
      fc.oneof(
        wrongValue.map((v) => ({ set: v })),
        fc.constant({ drop: true }),
        fc.record({ extra: fc.string({ minLength: 1, maxLength: 12 }), value: wrongValue }),
      ),
    )
    .map(([vars, arg, change]) => {
      const out: Record<string, unknown> = { ...vars };
      if ('set' in change) out[arg] = change.set;
      else if ('drop' in change) delete out[arg];
      else if (out[arg] && typeof out[arg] === 'object' && !Array.isArray(out[arg]))
        out[arg] = { ...(out[arg] as object), [change.extra]: change.value };
      else out[arg] = { [change.extra]: change.value };
      return out;
    });
}

// ---------------------------------------------------------------------------------------------
// Documents

const PUNCTUATION = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '!',
  '$',
  '@',
  '...',
  '=',
  '|',
  '&',
  ',',
  '"',
  '"""',
  '#',
  '\n',
  '\\',
  '\u0000',
  '\ufeff',
];
const KEYWORDS = [
  'query',
  'mutation',
  'subscription',
  'fragment',
  'on',
  'true',
  'false',
  'null',
  'schema',
  'type',
  'input',
  'extend',
  'directive',
  '__typename',
  '__schema',
  '__type',
  '_entities',
  '_service',
  'me',
  'login',
  'input',
  'id',
  'name',
];

function tokenSoup(names: string[]): fc.Arbitrary<string> {
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...PUNCTUATION) },
    { weight: 3, arbitrary: fc.constantFrom(...KEYWORDS, ...names) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.integer().map(String),
        fc.double().map(String),
        fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  );
  return fc.array(token, { maxLength: 80 }).chain((tokens) => fc.constantFrom(' ', '', '\n').map((sep) => tokens.join(sep)));
}

type Edit = { at: number; op: 'delete' | 'insert' | 'duplicate' | 'truncate' | 'swap'; text: string; length: number };
const edit = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'insert', 'duplicate', 'truncate', 'swap'),
  text: fc.oneof(
    fc.constantFrom(...PUNCTUATION, ...KEYWORDS, 'unknownField', '@skip', '@include(if: 1)', '(first: -1)', '$nope', '...on Nope'),
    fc.string({ maxLength: 5 }),
  ),
  length: fc.integer({ min: 1, max: 12 }),
}) as fc.Arbitrary<Edit>;

function applyEdits(document: string, edits: Edit[]): string {
  let text = document;
  for (const e of edits) {
    const at = text.length ? e.at % text.length : 0;
    if (e.op === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
    else if (e.op === 'insert') text = `${text.slice(0, at)}${e.text}${text.slice(at)}`;
    else if (e.op === 'duplicate') text = text.slice(0, at + e.length) + text.slice(at);
    else if (e.op === 'truncate') text = text.slice(0, at);
    else text = `${text.slice(at)}${text.slice(0, at)}`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------

const API_SCHEMA = new URL('../schema/api.graphql', import.meta.url);

async function introspect(url: string): Promise<GraphQLSchema> {
  const result = await graph.request<IntrospectionQuery>(getIntrospectionQuery(), {}, { url, token: userToken });
  if (!result.data) throw new Error(`introspection of ${url} failed: ${JSON.stringify(result.errors)}`);
  return buildClientSchema(result.data);
}

beforeAll(async () => {
  graph = await startTestGraph();
  userToken = await graph.login();
  adminToken = await graph.login(DEMO.adminUser.email);
  const endpoints = [['gateway', graph.url], ...Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url])] as const;
  targets = await Promise.all(
    endpoints.map(async ([name, url]) => {
      // The gateway serves the composed API schema: read from the file, it is the schema its introspection answers.
      const schema = name === 'gateway' ? buildSchema(readFileSync(API_SCHEMA, 'utf8')) : await introspect(url);
      return { name, url, origin: new URL(url).origin, schema, operations: operationsOf(schema) };
    }),
  );
}, 60_000);

afterAll(async () => {
  const summary = Object.entries(counts).map(
    ([target, kinds]) =>
      `${target}: ${Object.values(kinds).reduce((a, b) => a + b, 0)} (${Object.entries(kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
  );
  console.info(`fuzz cases per target:\n  ${summary.join('\n  ')}\ncodes: ${JSON.stringify(codesSeen)}`);
  await graph?.stop();
});

/** Fails with every distinct problem recorded by the cases of one test. */
function expectNoViolations(kind: string) {
  const mine = violations.filter((v) => v.kind === kind);
  const distinct = new Map<string, Violation>();
  for (const v of mine) distinct.set(`${v.target} ${v.problem} ${v.request.slice(0, 120)} ${v.response.slice(0, 80)}`, v);
  expect([...distinct.values()].map((v) => `[${v.target}] ${v.problem}\n    request:  ${v.request}\n    response: ${v.response}`)).toEqual(
    [],
  );
}

const forEachTarget = async (work: (target: Target) => Promise<void>) => {
  for (const target of targets) await work(target);
};

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/json; charset=nope',
  'application/graphql',
  'application/graphql-response+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  '*/*',
  'json',
  '',
];

describe('bad input everywhere', () => {
  it('answers random bytes under any content type with a GraphQL error', async () => {
    await forEachTarget(async (target) => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...CONTENT_TYPES), async (bytes, type) => {
          await probe(target, 'bytes', { headers: type ? { 'content-type': type } : {}, body: bytes });
        }),
        { seed: SEED, numRuns: runs(40) },
      );
    });
    expectNoViolations('bytes');
  });

  it('answers JSON bodies of any shape with a GraphQL error', async () => {
    const shapes = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record(
        {
          query: fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 2 }), fc.constant('{ __typename }')),
          variables: fc.jsonValue({ maxDepth: 2 }),
          operationName: fc.jsonValue({ maxDepth: 1 }),
          extensions: fc.oneof(
            fc.jsonValue({ maxDepth: 2 }),
            fc.record({
              persistedQuery: fc.record(
                {
                  version: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
                  sha256Hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.jsonValue({ maxDepth: 1 })),
                },
                { requiredKeys: [] },
              ),
            }),
          ),
        },
        { requiredKeys: [] },
      ),
      fc.array(fc.record({ query: fc.constant('{ __typename }') }), { maxLength: 3 }),
    );
    const raw = fc.constantFrom(
      '',
      'null',
      '{',
      '{"query": "{ __typename }"',
      '{"__proto__": {"query": "{ __typename }"}}',
      '{"constructor": {"prototype": {"x": 1}}, "query": "{ __typename }"}',
      '{"query": "{ __typename }", "query": "{ me { id } }"}',
      '\ufeff{"query": "{ __typename }"}',
      '{"query": "{ __typename }"} trailing',
      `{"query": "{ __typename }", "variables": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
      `{"query": "{ __typename }", "variables": {"a": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`,
    );
    await forEachTarget(async (target) => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            shapes.map((v) => JSON.stringify(v)),
            raw,
          ),
          fc.boolean(),
          async (body, signedIn) => {
            await probe(
              target,
              'json',
              withToken({ headers: { 'content-type': 'application/json' }, body, mayPass: true }, signedIn ? userToken : undefined),
            );
          },
        ),
        { seed: SEED, numRuns: runs(50) },
      );
    });
    expectNoViolations('json');
  });

  it('answers GET with odd query strings, other methods and unknown paths with a GraphQL error', async () => {
    const param = fc.oneof(
      fc.constantFrom('query', 'variables', 'operationName', 'extensions', 'query[]', '', '__proto__'),
      fc.string({ maxLength: 8 }),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('{ __typename }', 'mutation { __typename }', '{', 'null', '{"a":', '%', '%zz', '%00', '%ff%fe', '{}', '[]', '"x"'),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    );
    const queryString = fc
      .array(fc.tuple(param, value, fc.boolean()), { maxLength: 5 })
      .map((pairs) =>
        pairs
          .map(([k, v, encode]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`.replace(/[#\s]/g, '')))
          .join('&'),
      );
    await forEachTarget(async (target) => {
      await fc.assert(
        fc.asyncProperty(queryString, fc.boolean(), async (query, preflight) => {
          await probe(target, 'get', {
            method: 'GET',
            query,
            headers: preflight ? { 'apollo-require-preflight': 'true' } : {},
            mayPass: true,
          });
        }),
        { seed: SEED, numRuns: runs(30) },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST', 'GET'),
          fc.oneof(
            fc.constantFrom('/graphql/', '/graphql/x', '/GRAPHQL', '/', '/nope', '/graphql%00', '/..%2f..%2fetc/passwd', '//graphql'),
            fc.webPath(),
          ),
          async (method, path) => {
            await probe(target, 'method/path', {
              method,
              path: `/${path.replace(/^\/+/, '')}`,
              otherRoute: true,
              ...(method === 'GET' ? {} : json({ query: '{ __typename }' })),
              mayPass: path === '/graphql',
            });
          },
        ),
        { seed: SEED, numRuns: runs(20) },
      );
    });
    expectNoViolations('get');
    expectNoViolations('method/path');
  });

  it('answers malformed documents (token soup, mutated operations, unknown fields) with a GraphQL error', async () => {
    await forEachTarget(async (target) => {
      const names = target.operations.map((o) => o.field);
      await fc.assert(
        fc.asyncProperty(tokenSoup(names), fc.boolean(), async (query, signedIn) => {
          await probe(target, 'token soup', withToken({ ...json({ query }), mayPass: true }, signedIn ? userToken : undefined));
        }),
        { seed: SEED, numRuns: runs(50) },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...target.operations),
          fc.array(edit, { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          async (op, edits, signedIn) => {
            const query = applyEdits(op.document, edits);
            await probe(
              target,
              'mutated operation',
              withToken({ ...json({ query, variables: {} }), mayPass: true }, signedIn ? userToken : undefined),
            );
          },
        ),
        { seed: SEED, numRuns: runs(60) },
      );
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom(...target.operations), async (name, op) => {
          const unknown = `{ ${name.replace(/[^_A-Za-z0-9]/g, '_').replace(/^[0-9]/, '_')}Nope }`;
          const extraArg = op.document.replace(`${op.field}`, `${op.field}(nope${name.length}: 1)`).replace(/\)\(/, ', ');
          const unknownType = `query { ...on NopeType { __typename } }`;
          for (const query of [unknown, extraArg, unknownType]) await probe(target, 'unknown names', withToken(json({ query }), userToken));
        }),
        { seed: SEED, numRuns: runs(10) },
      );
    });
    expectNoViolations('token soup');
    expectNoViolations('mutated operation');
    expectNoViolations('unknown names');
  });

  it('answers variables of the wrong type with a GraphQL error', async () => {
    await forEachTarget(async (target) => {
      const withArgs = target.operations.filter((o) => o.args.length > 0);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...withArgs).chain((op) => fc.tuple(fc.constant(op), variablesFor(op, 'wrong'))),
          fc.constantFrom<string | undefined>(userToken, adminToken, undefined),
          async ([op, variables], token) => {
            await probe(target, 'wrong variables', withToken({ ...json({ query: op.document, variables }), mayPass: true }, token));
          },
        ),
        { seed: SEED, numRuns: runs(60) },
      );
    });
    expectNoViolations('wrong variables');
  });

  it('answers well-typed variables with hostile content (bad ids, cursors, base64, dates, enums, long text) without a crash', async () => {
    await forEachTarget(async (target) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...target.operations).chain((op) => fc.tuple(fc.constant(op), variablesFor(op, 'typed'))),
          fc.constantFrom<string | undefined>(userToken, userToken, adminToken, undefined),
          async ([op, variables], token) => {
            await probe(
              target,
              'hostile variables',
              withToken(
                { ...json({ query: op.document, variables }), mayPass: true, label: `${op.field} ${JSON.stringify(variables)}` },
                token,
              ),
            );
          },
        ),
        { seed: SEED, numRuns: runs(80) },
      );
    });
    expectNoViolations('hostile variables');
  });

  it('answers _entities with made-up representations without a crash (subgraphs)', async () => {
    await forEachTarget(async (target) => {
      if (target.name === 'gateway') return;
      const typenames = Object.values(target.schema.getTypeMap())
        .filter((t) => isObjectType(t) && !t.name.startsWith('_'))
        .map((t) => t.name);
      const representation = fc.oneof(
        fc.record(
          { __typename: fc.constantFrom(...typenames, 'Nope', ''), id: fc.oneof(hostileId, wrongValue) },
          { requiredKeys: ['__typename'] },
        ),
        fc.record({ __typename: fc.constantFrom(...typenames), data: fc.record({ id: hostileId }) }),
        wrongValue,
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(representation, { maxLength: 4 }),
          fc.constantFrom<string | undefined>(userToken, undefined),
          async (representations, token) => {
            await probe(
              target,
              '_entities',
              withToken(
                {
                  ...json({
                    query: 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
                    variables: { r: representations },
                  }),
                  mayPass: true,
                },
                token,
              ),
            );
          },
        ),
        { seed: SEED, numRuns: runs(40) },
      );
    });
    expectNoViolations('_entities');
  });

  it('answers huge strings, huge lists, deep nesting and oversized bodies with a GraphQL error', async () => {
    const MB = 1024 * 1024;
    await forEachTarget(async (target) => {
      const stringArgs = target.operations.flatMap((op) =>
        op.args
          .filter((a) => getNamedType(a.type).name === 'String' || getNamedType(a.type).name === 'ID')
          .map((a) => ({ op, arg: a.name })),
      );
      const inputStringFields = target.operations.flatMap((op) =>
        op.args.flatMap((a) => {
          const named = getNamedType(a.type);
          if (!isInputObjectType(named)) return [];
          return Object.values(named.getFields())
            .filter((f) => ['String', 'ID'].includes(getNamedType(f.type).name))
            .map((f) => ({ op, arg: a.name, field: f.name, list: isListType(isNonNullType(f.type) ? f.type.ofType : f.type) }));
        }),
      );
      // A few MB in one argument, in one input field, and in a document literal.
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...inputStringFields, ...stringArgs.map((s) => ({ ...s, field: undefined, list: false }))),
          fc.integer({ min: 1 * MB, max: 5 * MB }),
          fc.boolean(),
          async (where, size, asList) => {
            const base = fc.sample(variablesFor(where.op, 'typed'), { seed: size, numRuns: 1 })[0]!;
            const big = asList ? Array.from({ length: Math.floor(size / 40) }, () => randomUUID()) : 'x'.repeat(size);
            const value =
              where.field === undefined
                ? big
                : {
                    ...(base[where.arg] as object),
                    [where.field]: where.list || asList ? (Array.isArray(big) ? big : [big]) : Array.isArray(big) ? big[0] : big,
                  };
            await probe(
              target,
              'huge values',
              withToken(
                {
                  ...json({ query: where.op.document, variables: { ...base, [where.arg]: value } }),
                  mayPass: true,
                  label: `${where.op.field} ${where.arg}.${where.field ?? ''} ${asList ? 'list' : 'string'} of ${size}`,
                },
                userToken,
              ),
            );
          },
        ),
        { seed: SEED, numRuns: runs(5) },
      );
      const fixed: [string, Sent][] = [
        ['4 MB string literal', json({ query: `{ __typename(x: "${'y'.repeat(4 * MB)}") }` })],
        ['4 MB comment', { ...json({ query: `#${'c'.repeat(4 * MB)}\n{ __typename }` }), mayPass: true }],
        ['10k-deep selection', json({ query: `${'{ a '.repeat(10_000)}${'}'.repeat(10_000)}` })],
        ['10k-deep list literal', json({ query: `{ __typename @skip(if: ${'['.repeat(10_000)}${']'.repeat(10_000)}) }` })],
        ['10k-deep object literal', json({ query: `query { __typename @skip(if: ${'{a:'.repeat(10_000)}1${'}'.repeat(10_000)}) }` })],
        [
          '10k-deep input variable',
          json({
            query: 'query($i: Boolean!) { __typename @skip(if: $i) }',
            variables: { i: JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`) },
          }),
        ],
        [
          '1k fragments in a cycle',
          json({
            query: `{ ...f0 } ${Array.from({ length: 1000 }, (_, i) => `fragment f${i} on Query { ...f${(i + 1) % 1000} }`).join(' ')}`,
          }),
        ],
        ['100k-item batch', json(Array.from({ length: 100_000 }, () => ({ query: '{ __typename }' })))],
        ['17 MB body (over the limit)', json({ query: '{ __typename }', variables: { pad: 'z'.repeat(17 * MB) } })],
        [
          '17 MB body, no content-length',
          {
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ __typename }', pad: 'z'.repeat(17 * MB) }),
            stream: true,
          },
        ],
      ];
      for (const [label, sent] of fixed) await probe(target, 'huge/deep', withToken({ ...sent, label }, userToken));
    });
    expectNoViolations('huge values');
    expectNoViolations('huge/deep');
  });

  it('leaves every process up and answering afterwards', async () => {
    for (const target of targets) {
      const health = await fetch(new URL('/healthz', target.origin));
      expect(health.status, `${target.name} /healthz`).toBe(200);
      const typename = await graph.request('{ __typename }', {}, { url: target.url, token: userToken });
      expect(typename, target.name).toEqual({ data: { __typename: 'Query' } });
    }
    const me = await graph.request('{ me { email account { devices { nodes { id } } } } }', {}, { token: await graph.login() });
    expect(me.errors).toBeUndefined();
    expect(me.data!.me.email).toBe(DEMO.mainUser.email);
  });
});
