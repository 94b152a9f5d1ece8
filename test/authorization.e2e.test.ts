/**
 * The authorization matrix, generated from the composed API schema and the subgraphs' `@allow`
 * declarations: for every root field and every object field reachable from one (entity references
 * included: the gateway resolves them with `_entities`), for every kind of caller, a query reaching the
 * field is sent through the gateway, and the answer must match the declared policy:
 *
 * - denied: refused with FORBIDDEN or UNAUTHENTICATED at the field's path or an ancestor's (or never
 *   reached because the caller's tenant filter left its parent out), never a value;
 * - allowed: not refused by the policy (a resolver may still say NOT_FOUND or filter to the tenant);
 * - and no id of tenant A's private rows appears in the answer of tenant B, of A's API keys or of an
 *   OAuth token acting for B's user, except what A shared with B.
 *
 * A field of the API schema without a declared policy fails here (and fails the subgraph's start-up).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DEMO,
  SCOPES,
  declaredPolicies,
  loadSubgraphTypeDefs,
  signAccessToken,
  SUBGRAPH_NAMES,
  type FieldPolicy,
  type Principal,
} from '@iris/core';
import { hashPassword } from '@iris/identity';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type GraphQLResponse, type TestGraph } from './support/graph.js';
import { createTenant } from './support/tenants.js';

const api = buildSchema(readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8'));
const ROOTS = ['Query', 'Mutation'] as const;
const REFUSED = new Set(['FORBIDDEN', 'UNAUTHENTICATED']);
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Every subgraph's declarations, by `Type.field`: one per subgraph that declares the field. */
function policiesByCoordinate() {
  const byCoordinate = new Map<string, { subgraph: string; policy: FieldPolicy }[]>();
  for (const subgraph of SUBGRAPH_NAMES) {
    const { fields } = declaredPolicies(loadSubgraphTypeDefs(new URL(`../subgraphs/${subgraph}/schema.graphql`, import.meta.url)));
    for (const [typeName, byField] of fields) {
      for (const [field, policy] of byField) {
        const coordinate = `${typeName}.${field}`;
        byCoordinate.set(coordinate, [...(byCoordinate.get(coordinate) ?? []), { subgraph, policy }]);
      }
    }
  }
  return byCoordinate;
}
const declared = policiesByCoordinate();
const describePolicy = (p: FieldPolicy) =>
  p.public ? 'public' : `roles ${[...p.roles].sort().join('|')}; scopes ${[...p.scopes].sort().join('|')}`;
const policyOf = (coordinate: string): FieldPolicy => {
  const found = declared.get(coordinate);
  if (!found) throw new Error(`${coordinate} has no declared policy`);
  return found[0]!.policy;
};

/** The rule the SDL states, written out here as the specification the gateway's answers are held to. */
function permits(policy: FieldPolicy, principal: Principal | null): boolean {
  if (policy.public) return true;
  if (!principal) return false;
  if (principal.kind === 'user') return policy.roles.has(principal.role);
  return policy.scopes.some((scope) => principal.scopes.includes(scope));
}

// ---------------------------------------------------------------------------------------------------
// The selection tree of each root field: every object type expanded once, where it is nearest the root.

interface FieldNode {
  name: string;
  coordinate: string;
  field: GraphQLField<unknown, unknown>;
  children?: FieldNode[];
}

function selectionTree(rootType: GraphQLObjectType, field: GraphQLField<unknown, unknown>): FieldNode {
  const root: FieldNode = { name: field.name, coordinate: `${rootType.name}.${field.name}`, field };
  const queue: [FieldNode, GraphQLNamedType][] = [[root, getNamedType(field.type)]];
  const expanded = new Set<string>();
  while (queue.length > 0) {
    const [node, type] = queue.shift()!;
    if (!isObjectType(type)) continue;
    node.children = [];
    if (expanded.has(type.name)) continue;
    expanded.add(type.name);
    for (const child of Object.values(type.getFields())) {
      const childNode: FieldNode = { name: child.name, coordinate: `${type.name}.${child.name}`, field: child };
      node.children.push(childNode);
      queue.push([childNode, getNamedType(child.type)]);
    }
  }
  return root;
}

/** Every path from the root to a field of the tree. */
function* pathsOf(node: FieldNode, above: FieldNode[] = []): Generator<FieldNode[]> {
  const path = [...above, node];
  yield path;
  for (const child of node.children ?? []) yield* pathsOf(child, path);
}

// ---------------------------------------------------------------------------------------------------
// Arguments: seeded ids where a field names one, otherwise the least value its type accepts.

type Variant = 'shared' | 'private';
type ArgumentValues = Record<string, Record<Variant, unknown>>;

function literal(value: unknown, type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(value, type.ofType);
  if (isListType(type)) return `[${(value as unknown[]).map((v) => literal(v, type.ofType)).join(', ')}]`;
  if (isEnumType(type)) return String(value);
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]!.type)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
}

function leastValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return leastValue(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, leastValue(f.type)]),
    );
  }
  switch (getNamedType(type).name) {
    case 'ID':
      return ZERO_UUID;
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return '2026-01-01T00:00:00.000Z';
    default:
      return 'x';
  }
}

function argumentsOf(node: FieldNode, values: ArgumentValues, variant: Variant): string {
  const args = node.field.args.flatMap((arg) => {
    const seeded = values[`${node.coordinate}.${arg.name}`];
    if (seeded) return [`${arg.name}: ${literal(seeded[variant], arg.type)}`];
    if (isNonNullType(arg.type) && arg.defaultValue === undefined) return [`${arg.name}: ${literal(leastValue(arg.type), arg.type)}`];
    return [];
  });
  return args.length > 0 ? `(${args.join(', ')})` : '';
}

/** Prints the part of a tree `keep` selects; an object field with nothing kept asks for `__typename`. */
function print(node: FieldNode, keep: (node: FieldNode) => boolean, values: ArgumentValues, variant: Variant): string {
  const head = `${node.name}${argumentsOf(node, values, variant)}`;
  if (!node.children) return head;
  const inner = node.children.filter(keep).map((child) => print(child, keep, values, variant));
  return `${head} { ${inner.length > 0 ? inner.join(' ') : '__typename'} }`;
}

// ---------------------------------------------------------------------------------------------------
// Reading answers.

type GraphQLErrorEntry = NonNullable<GraphQLResponse['errors']>[number];
const withoutIndexes = (path: readonly (string | number)[] | undefined) => (path ?? []).filter((p) => typeof p === 'string').join('.');
const isPolicyRefusal = (error: GraphQLErrorEntry) => REFUSED.has(String(error.extensions?.code)) && error.extensions?.policy !== undefined;

/** The values at a path (list items walked through), and whether any parent object held the field. */
function valuesAt(data: unknown, path: string[]): { values: unknown[]; parentPresent: boolean } {
  let level: unknown[] = [data];
  let parentPresent = false;
  path.forEach((key, i) => {
    const next: unknown[] = [];
    const flatten = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flatten) : [v]);
    for (const item of level.flatMap(flatten)) {
      if (item && typeof item === 'object' && key in item) {
        if (i === path.length - 1) parentPresent = true;
        next.push((item as Record<string, unknown>)[key]);
      } else if (item && typeof item === 'object' && i === path.length - 1) {
        parentPresent = true;
      }
    }
    level = next;
  });
  return { values: level.flatMap((v) => (Array.isArray(v) ? v : [v])), parentPresent };
}

// ---------------------------------------------------------------------------------------------------
// The callers and the seeded data of two tenants.

interface Caller {
  name: string;
  principal: Principal | null;
  headers: Record<string, string>;
  /** Ids this caller must never see (tenant A's private rows, or all of A's rows for A's keys). */
  forbiddenIds: () => readonly string[];
}

let graph: TestGraph;
const callers: Caller[] = [];
const values: ArgumentValues = {};
const seeded = { aPrivate: [] as string[], aShared: [] as string[], aAll: [] as string[] };
let mainToken: string;
let keyReadSecret: string;
let keyDeleteSecret: string;
let keyReadToken: string;
let adminToken: string;
let tenantB: { accountId: string };

async function seedTwoTenants() {
  const prisma = graph.database.prisma;
  const A = DEMO.account.id;
  mainToken = await graph.login();
  const memberEmail = `member-${randomUUID().slice(0, 8)}@iris.test`;
  const member = await prisma.user.create({
    data: { accountId: A, email: memberEmail, role: 'MEMBER', passwordHash: await hashPassword(DEMO.password), displayName: 'Member of A' },
  });
  const memberToken = await graph.login(memberEmail, DEMO.password);
  adminToken = await graph.login(DEMO.adminUser.email);
  const b = await createTenant(graph, 'Tenant B');
  tenantB = { accountId: b.account.id };

  // A's rows: the demo group and its device are shared with B's main user (the group), one more device
  // is shared with B directly, and one is private. Each device has a capture with an analysis and a mark.
  const privateDevice = await prisma.device.create({ data: { accountId: A, name: 'Private camera' } });
  const sharedDevice = await prisma.device.create({ data: { accountId: A, name: 'Shared camera' } });
  const privateGroup = await prisma.deviceGroup.create({ data: { accountId: A, name: 'Back office' } });
  await prisma.device.update({ where: { id: privateDevice.id }, data: { groupId: privateGroup.id } });
  await prisma.deviceGroupShare.create({ data: { groupId: DEMO.deviceGroup.id, userId: b.user.id } });
  await prisma.deviceShare.create({ data: { deviceId: sharedDevice.id, userId: b.user.id } });
  // A's device shared with A's own member too: who it is shared with is A's business, not B's.
  await prisma.deviceShare.create({ data: { deviceId: sharedDevice.id, userId: member.id } });

  const face = {
    score: 0.9,
    box: { x: 1, y: 2, width: 30, height: 30 },
    landmarks: [{ x: 3, y: 4 }],
    eyes: { left: { open: true, probability: 0.9 }, right: { open: true, probability: 0.9 } },
    expression: { label: 'HAPPY', scores: [{ label: 'HAPPY', score: 1 }] },
  };
  const models = { detector: 'd', landmarks: 'l', eyes: 'e', expression: 'x' };
  const rows: Record<
    string,
    { device: string; capture: string; mark: string; analysis: string; job: string; notification: string; action: string }
  > = {};
  for (const [label, deviceId] of [
    ['shared', DEMO.device.id],
    ['direct', sharedDevice.id],
    ['private', privateDevice.id],
  ] as const) {
    const capture = await prisma.deviceData.create({
      data: {
        accountId: A,
        deviceId,
        storageKey: `captures/${randomUUID()}.png`,
        contentType: 'image/png',
        byteSize: 10,
        width: 64,
        height: 64,
        analysisStatus: 'DONE',
      },
    });
    const analysis = await prisma.faceAnalysis.create({
      data: { accountId: A, deviceId, dataId: capture.id, width: 64, height: 64, models, durationMs: 1, faces: [face], faceCount: 1 },
    });
    const job = await prisma.analysisJob.create({
      data: {
        accountId: A,
        deviceId,
        dataId: capture.id,
        storageKey: capture.storageKey,
        status: 'DONE',
        attempts: 1,
        analysisId: analysis.id,
      },
    });
    const mark = await prisma.deviceMark.create({
      data: {
        accountId: A,
        deviceId,
        dataId: capture.id,
        analysisId: analysis.id,
        faceCount: 1,
        modeId: '0190a000-0000-7000-8000-000000000501',
        groupId: label === 'shared' ? DEMO.deviceGroup.id : null,
      },
    });
    const notification = await prisma.notification.create({
      data: { accountId: A, type: 'MARK_CREATED', deviceId, markId: mark.id, title: `New mark on ${label}`, body: 'A face.' },
    });
    const action = await prisma.action.create({ data: { accountId: A, deviceId, kind: 'PHOTO_TAKEN', note: `${label} note` } });
    rows[label] = {
      device: deviceId,
      capture: capture.id,
      mark: mark.id,
      analysis: analysis.id,
      job: job.id,
      notification: notification.id,
      action: action.id,
    };
  }
  const plan = await prisma.retentionPlan.findFirstOrThrow({ where: { name: 'Standard' } });
  const order = await prisma.order.create({
    data: { accountId: A, planId: plan.id, amountCents: plan.priceCents, currency: plan.currency },
  });
  const profile = await prisma.profile.findFirstOrThrow({ where: { appId: DEMO.app.id } });

  // API keys of A's app, one per scope, and OAuth tokens for B's main user through A's app, one per scope.
  const keySecrets: Record<string, string> = {};
  for (const scope of ['PROFILES_READ', 'PROFILES_WRITE', 'USERDATA_DELETE'])
    keySecrets[scope] = await createApiKey(graph, mainToken, DEMO.app.id, [scope]);
  keyReadSecret = keySecrets.PROFILES_READ!;
  keyDeleteSecret = keySecrets.USERDATA_DELETE!;

  // What B may see of A (the shares) and what it may not; A's keys may see none of A's rows.
  const sharedRows = [rows.shared!, rows.direct!];
  seeded.aShared = [A, DEMO.deviceGroup.id, ...sharedRows.flatMap((r) => [r.device, r.capture, r.mark])];
  seeded.aPrivate = [
    DEMO.mainUser.id,
    member.id,
    privateGroup.id,
    order.id,
    ...sharedRows.flatMap((r) => [r.analysis, r.job, r.notification, r.action]),
    ...Object.values(rows.private!),
  ];
  const keyRows = await prisma.apiKey.findMany({ where: { accountId: A }, select: { id: true } });
  seeded.aPrivate.push(...keyRows.map((k) => k.id));
  seeded.aAll = [...seeded.aShared, ...seeded.aPrivate];

  const user = (role: 'MAIN' | 'MEMBER' | 'SERVICE_ADMIN', userId: string, accountId: string): Principal => ({
    kind: 'user',
    userId,
    accountId,
    role,
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  callers.push(
    { name: 'anonymous', principal: null, headers: {}, forbiddenIds: () => seeded.aAll },
    { name: 'MAIN of A', principal: user('MAIN', DEMO.mainUser.id, A), headers: bearer(mainToken), forbiddenIds: () => [] },
    { name: 'MEMBER of A', principal: user('MEMBER', member.id, A), headers: bearer(memberToken), forbiddenIds: () => [] },
    {
      name: 'SERVICE_ADMIN',
      principal: user('SERVICE_ADMIN', DEMO.adminUser.id, DEMO.adminAccount.id),
      headers: bearer(adminToken),
      forbiddenIds: () => [],
    },
    { name: 'MAIN of B', principal: user('MAIN', b.user.id, b.account.id), headers: bearer(b.token), forbiddenIds: () => seeded.aPrivate },
  );
  for (const [scope, secret] of Object.entries(keySecrets)) {
    const scopeString = { PROFILES_READ: 'profiles:read', PROFILES_WRITE: 'profiles:write', USERDATA_DELETE: 'userdata:delete' }[scope]!;
    callers.push({
      name: `API key ${scopeString}`,
      principal: { kind: 'app', via: 'apiKey', appId: DEMO.app.id, accountId: A, scopes: [scopeString] },
      headers: { api_key: secret },
      forbiddenIds: () => seeded.aAll,
    });
  }
  for (const scope of Object.keys(SCOPES)) {
    const principal: Principal = {
      kind: 'app',
      via: 'oauth',
      appId: DEMO.app.id,
      accountId: b.account.id,
      scopes: [scope],
      userId: b.user.id,
      role: 'MAIN',
    };
    const token = await signAccessToken(graph.keys, graph.config, principal);
    callers.push({ name: `OAuth ${scope} (B's user)`, principal, headers: bearer(token.token), forbiddenIds: () => seeded.aPrivate });
  }
  keyReadToken = await exchangeKey(keyReadSecret);

  // Ids the root fields are called with: something A shared with B, and something A keeps to itself.
  const both = (shared: unknown, priv: unknown) => ({ shared, private: priv });
  Object.assign(values, {
    'Query.account.id': both(A, A),
    'Query.accountOfApp.appId': both(DEMO.app.id, DEMO.app.id),
    'Query.app.id': both(DEMO.app.id, DEMO.app.id),
    'Query.order.id': both(order.id, order.id),
    'Query.passwordStrength.password': both('x', 'x'),
    'Query.profiles.appId': both(DEMO.app.id, DEMO.app.id),
    'Query.profile.appId': both(DEMO.app.id, DEMO.app.id),
    'Query.profile.deviceId': both(profile.deviceId, profile.deviceId),
    'Query.scannedImageCount.appId': both(DEMO.app.id, DEMO.app.id),
    'Query.scannedImageCount.deviceId': both(profile.deviceId, profile.deviceId),
    'Query.profileByAppUserId.appId': both(DEMO.app.id, DEMO.app.id),
    'Query.device.id': both(rows.shared!.device, rows.private!.device),
    'Query.deviceGroup.id': both(DEMO.deviceGroup.id, privateGroup.id),
    'Query.deviceMode.id': both('0190a000-0000-7000-8000-000000000501', '0190a000-0000-7000-8000-000000000501'),
    'Query.deviceData.id': both(rows.shared!.capture, rows.private!.capture),
    'Query.deviceMark.id': both(rows.direct!.mark, rows.private!.mark),
    'Query.latestDeviceMarks.deviceIds': both([rows.shared!.device, rows.direct!.device], [rows.private!.device]),
    'Query.notification.id': both(rows.shared!.notification, rows.private!.notification),
    'Query.unsentNotificationsToday.accountId': both(A, A),
    'Query.action.id': both(rows.shared!.action, rows.private!.action),
    'Query.faceAnalysis.id': both(rows.shared!.analysis, rows.private!.analysis),
    'Query.analysisJob.deviceDataId': both(rows.shared!.capture, rows.private!.capture),
    'Query.markStatistics.input': both(
      { from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T00:00:00.000Z', bucket: 'DAY' },
      { from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T00:00:00.000Z', bucket: 'DAY', deviceId: rows.private!.device },
    ),
  });
}

async function exchangeKey(secret: string): Promise<string> {
  // The gateway trades a key for a short-lived token; the test does the same to call subgraphs directly.
  const result = await graph.request<{ exchangeApiKey: { accessToken: string } }>(
    `mutation($input: ExchangeApiKeyInput!) { exchangeApiKey(input: $input) { accessToken } }`,
    { input: { apiKey: secret } },
    { url: graph.subgraphs.identity.url },
  );
  if (!result.data) throw new Error(`exchangeApiKey failed: ${JSON.stringify(result.errors)}`);
  return result.data.exchangeApiKey.accessToken;
}

const send = (caller: Caller, query: string) => graph.request(query, {}, { headers: caller.headers });

/** Runs `tasks` a few at a time: the graph is shared with the rest of the machine. */
async function inBatches<T>(tasks: (() => Promise<T>)[], size = 6): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += size) results.push(...(await Promise.all(tasks.slice(i, i + size).map((t) => t()))));
  return results;
}

beforeAll(async () => {
  graph = await startTestGraph({
    // The matrix asks for whole subtrees at once: lift the gateway's size limits, not its authorization.
    MAX_QUERY_DEPTH: '40',
    MAX_QUERY_COST: '100000000',
    MAX_TOKENS: '1000000',
    MAX_DOCUMENT_BYTES: '10000000',
    MAX_ALIASES: '1000',
    MAX_ROOT_FIELDS: '1000',
    // The matrix runs for minutes on a busy machine: tokens must outlive it (expiry is revocation.e2e's subject).
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    API_KEY_TOKEN_TTL_SECONDS: '3600',
  });
  await seedTwoTenants();
}, 180_000);
afterAll(() => graph?.stop());

describe('the policy declarations', () => {
  it('give every field of the API schema a policy, the same in every subgraph that declares it', () => {
    const problems: string[] = [];
    for (const type of Object.values(api.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.keys(type.getFields())) {
        const coordinate = `${type.name}.${field}`;
        const found = declared.get(coordinate);
        if (!found) problems.push(`${coordinate}: no policy declared`);
        else if (new Set(found.map((f) => describePolicy(f.policy))).size > 1) {
          problems.push(`${coordinate}: ${found.map((f) => `${f.subgraph} says ${describePolicy(f.policy)}`).join('; ')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

interface Failure {
  caller: string;
  problem: string;
  query: string;
  errors?: string;
}

/** A field the policy denies a caller, below fields it allows (or the root field itself). */
interface Frontier {
  caller: Caller;
  path: FieldNode[];
  variant: Variant;
  operation: 'query' | 'mutation';
}

const errorSummary = (response: GraphQLResponse) =>
  (response.errors ?? [])
    .map((e) => `${withoutIndexes(e.path)} ${String(e.extensions?.code)}${e.extensions?.policy ? ` (${String(e.extensions.policy)})` : ''}`)
    .join('; ');

/** What is wrong with the answer for a denied field, if anything: a value, or a null nobody explained. */
function frontierProblem(frontier: Frontier, response: GraphQLResponse): string | undefined {
  const names = frontier.path.map((n) => n.name);
  const coordinate = frontier.path.at(-1)!.coordinate;
  const { values: found, parentPresent } = valuesAt(response.data, names);
  if (found.some((v) => v !== null && v !== undefined)) return `${coordinate} answered a value the policy denies`;
  const target = names.join('.');
  const refused = (response.errors ?? []).some((e) => {
    const at = withoutIndexes(e.path);
    return REFUSED.has(String(e.extensions?.code)) && at !== '' && (target === at || target.startsWith(`${at}.`));
  });
  if (!refused && parentPresent) return `${coordinate} is null without a FORBIDDEN/UNAUTHENTICATED error at its path or an ancestor's`;
  return undefined;
}

describe('the authorization matrix', () => {
  it('answers every reachable field as its policy says, for every kind of caller', async () => {
    const failures: Failure[] = [];
    const covered = new Set<string>();
    const cells = new Set<string>();
    const allowedTasks: (() => Promise<void>)[] = [];
    const frontiers: Frontier[] = [];
    const trees = new Map<string, FieldNode>();
    let queries = 0;
    const sendCounted = (caller: Caller, query: string) => {
      queries += 1;
      return send(caller, query);
    };

    const leakCheck = (caller: Caller, query: string, response: GraphQLResponse) => {
      const text = JSON.stringify(response.data ?? null);
      const leaked = caller.forbiddenIds().filter((id) => text.includes(id));
      if (leaked.length > 0)
        failures.push({ caller: caller.name, query, problem: `the answer holds ids it must not see: ${leaked.join(', ')}` });
    };

    for (const rootName of ROOTS) {
      const rootType = api.getType(rootName) as GraphQLObjectType;
      for (const rootField of Object.values(rootType.getFields())) {
        const tree = selectionTree(rootType, rootField);
        trees.set(tree.coordinate, tree);
        const operation = rootName === 'Mutation' ? 'mutation' : 'query';
        // Mutations are sent once, with the least input their types accept (nothing to change).
        const variants: Variant[] = operation === 'mutation' ? ['shared'] : ['shared', 'private'];
        for (const caller of callers) {
          const allowed = (node: FieldNode) => permits(policyOf(node.coordinate), caller.principal);
          const paths = [...pathsOf(tree)];
          for (const path of paths) {
            covered.add(path.at(-1)!.coordinate);
            cells.add(`${caller.name} ${path.at(-1)!.coordinate}`);
          }
          for (const variant of variants) {
            // Everything the caller may read from this root field, in one query: no refusal by the policy.
            if (allowed(tree)) {
              const query = `${operation} { ${print(tree, allowed, values, variant)} }`;
              allowedTasks.push(async () => {
                const response = await sendCounted(caller, query);
                for (const error of response.errors ?? []) {
                  if (isPolicyRefusal(error)) {
                    failures.push({
                      caller: caller.name,
                      query,
                      problem: `refused at ${withoutIndexes(error.path)} though allowed: ${error.message}`,
                    });
                  }
                }
                leakCheck(caller, query, response);
              });
            }
            for (const path of paths) {
              if (!allowed(path.at(-1)!) && path.slice(0, -1).every(allowed)) frontiers.push({ caller, path, variant, operation });
            }
          }
        }
      }
    }

    const printFrontiers = (group: Frontier[]) => {
      const byRoot = new Map<FieldNode, Set<FieldNode>>();
      for (const f of group) {
        const onPath = byRoot.get(f.path[0]!) ?? new Set<FieldNode>();
        for (const node of f.path) onPath.add(node);
        byRoot.set(f.path[0]!, onPath);
      }
      const roots = [...byRoot].map(([root, onPath]) => print(root, (node) => onPath.has(node), values, group[0]!.variant));
      return `${group[0]!.operation} { ${roots.join(' ')} }`;
    };
    const checkAlone = async (frontier: Frontier) => {
      const query = printFrontiers([frontier]);
      const response = await sendCounted(frontier.caller, query);
      const problem = frontierProblem(frontier, response);
      if (problem) failures.push({ caller: frontier.caller.name, query, problem, errors: errorSummary(response) });
      leakCheck(frontier.caller, query, response);
    };
    // Denied query fields of one caller and variant go in one query; a field whose refusal that answer
    // does not show (a sibling's refusal nulled its parent first) is asked again on its own. Mutations run
    // one after another and stop at the first refused non-null field, so each is sent alone.
    const groups = new Map<string, Frontier[]>();
    for (const f of frontiers) {
      if (f.operation === 'mutation') continue;
      const key = `${f.caller.name}|${f.variant}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const frontierTasks: (() => Promise<void>)[] = [
      ...[...groups.values()].map((group) => async () => {
        const query = printFrontiers(group);
        const response = await sendCounted(group[0]!.caller, query);
        leakCheck(group[0]!.caller, query, response);
        await Promise.all(group.filter((f) => frontierProblem(f, response)).map(checkAlone));
      }),
      ...frontiers.filter((f) => f.operation === 'mutation').map((f) => () => checkAlone(f)),
    ];

    await inBatches([...frontierTasks, ...allowedTasks]);
    console.info(
      `authorization matrix: ${covered.size} fields × ${callers.length} kinds of caller = ${cells.size} cells ` +
        `(${frontiers.length} refusals checked), ${queries} queries`,
    );
    const distinct = [...new Map(failures.map((f) => [`${f.caller}: ${f.problem}`, f])).values()];
    expect(distinct.slice(0, 25)).toEqual([]);
    expect(covered.size).toBeGreaterThan(300);
  }, 600_000);
});

/** A subscription's first message: an event, errors, or the close code of a refused connection. */
type FirstAnswer = { data?: unknown; errors?: GraphQLErrorEntry[]; closed?: number };

describe('the authorization matrix: subscriptions', () => {
  let statusChanges = 0;
  /** An event each root field sends to every caller its policy allows (they all can see it). */
  const EVENTS: Record<string, () => Promise<unknown>[]> = {
    deviceMarkCreated: () => [admin(`mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`)],
    // Only a change of status is an event: it goes back and forth.
    deviceStatusChanged: () => [
      admin(
        `mutation { updateDevice(input: { id: "${DEMO.device.id}", status: ${statusChanges++ % 2 === 0 ? 'ONLINE' : 'OFFLINE'} }) { id } }`,
      ),
    ],
    notificationReceived: () =>
      [DEMO.account.id, tenantB.accountId, DEMO.adminAccount.id].map((accountId) =>
        admin(`mutation { createNotification(input: { accountId: "${accountId}", title: "Hello", body: "An announcement." }) { id } }`),
      ),
  };
  const admin = (query: string) => graph.request(query, {}, { token: adminToken });

  it('opens each subscription to the callers its policy allows, and refuses the others on subscribe', async () => {
    const rootType = api.getSubscriptionType()!;
    const clients: Client[] = [];
    const failures: string[] = [];
    try {
      for (const rootField of Object.values(rootType.getFields())) {
        const tree = selectionTree(rootType, rootField);
        const waits: { caller: Caller; allowed: boolean; first: Promise<FirstAnswer> }[] = [];
        for (const caller of callers) {
          const allowed = (node: FieldNode) => permits(policyOf(node.coordinate), caller.principal);
          // The event's own fields the caller may read (nested fields are the query matrix's: the same
          // types, the same checks), or nothing but the root field for a caller it refuses.
          const query = `subscription { ${print(tree, (node) => allowed(tree) && allowed(node) && !node.children, values, 'shared')} }`;
          const client = createClient({
            url: graph.url.replace(/^http/, 'ws'),
            webSocketImpl: WebSocket,
            connectionParams: caller.headers,
            retryAttempts: 0,
            lazy: true,
          });
          clients.push(client);
          const first = new Promise<FirstAnswer>((resolve) => {
            client.subscribe(
              { query },
              {
                next: (value) => resolve(value as never),
                error: (error) =>
                  resolve(
                    Array.isArray(error) ? { errors: error as GraphQLErrorEntry[] } : { closed: (error as { code?: number }).code ?? -1 },
                  ),
                complete: () => resolve({}),
              },
            );
          });
          waits.push({ caller, allowed: allowed(tree), first });
        }
        // Events until every allowed subscriber has had one: a subscription opens asynchronously.
        let settled = false;
        void Promise.all(waits.map((w) => w.first)).then(() => {
          settled = true;
        });
        for (let round = 0; round < 20 && !settled; round++) {
          await Promise.all(EVENTS[rootField.name]!());
          await Promise.race([Promise.all(waits.map((w) => w.first)), new Promise((r) => setTimeout(r, 1_000))]);
        }
        const NOTHING: FirstAnswer = { errors: [{ message: 'nothing arrived while events were sent' }] };
        for (const { caller, allowed, first } of waits) {
          const answer = settled ? await first : await Promise.race([first, Promise.resolve(NOTHING)]);
          const refused =
            answer.errors?.some((e) => REFUSED.has(String(e.extensions?.code))) || answer.closed === 4401 || answer.closed === 4403;
          if (allowed && refused) failures.push(`${caller.name}: ${rootField.name} refused though allowed: ${JSON.stringify(answer)}`);
          if (allowed && !answer.data) failures.push(`${caller.name}: ${rootField.name} gave no event: ${JSON.stringify(answer)}`);
          if (!allowed && !refused) failures.push(`${caller.name}: ${rootField.name} was not refused: ${JSON.stringify(answer)}`);
          const leaked = caller.forbiddenIds().filter((id) => JSON.stringify(answer.data ?? null).includes(id));
          if (leaked.length > 0) failures.push(`${caller.name}: ${rootField.name} sent ids it must not see: ${leaked.join(', ')}`);
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it.each([
    // Answered by the devices subgraph alone, and resolved per event by the gateway (analytics' field).
    ['subscription { deviceMarkCreated { id device { id name } } }', ['deviceMarkCreated', 'device', 'name'], 'Device'],
    // analytics refuses the Device reference itself (its type's policy): the error is at the entity.
    ['subscription { deviceMarkCreated { id device { id actions { totalCount } } } }', ['deviceMarkCreated', 'device'], 'Device'],
  ])(
    'sends a refusal inside an event as an errors entry with its path and code: %s',
    async (query, path, policy) => {
      const marksOnly = callers.find((c) => c.name === "OAuth marks:read (B's user)")!;
      const client = createClient({
        url: graph.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: marksOnly.headers,
        retryAttempts: 0,
        lazy: true,
      });
      try {
        const first = new Promise<FirstAnswer>((resolve) => {
          client.subscribe(
            { query },
            {
              next: (value) => resolve(value as never),
              error: (error) => resolve({ errors: error as never }),
              complete: () => resolve({}),
            },
          );
        });
        let received = false;
        void first.then(() => {
          received = true;
        });
        for (let round = 0; round < 20 && !received; round++) {
          await admin(`mutation { createDeviceMark(input: { deviceId: "${DEMO.device.id}" }) { id } }`);
          await Promise.race([first, new Promise((r) => setTimeout(r, 1_000))]);
        }
        const event = await first;
        expect(event.errors).toEqual([
          expect.objectContaining({ path, extensions: expect.objectContaining({ code: 'FORBIDDEN', policy }) }),
        ]);
      } finally {
        await client.dispose();
      }
    },
    120_000,
  );
});

describe('finding 1: an API key reaches only what its scopes name', () => {
  const ISSUE_QUERY = `{ app(id: "demo-app") { apiKeys { nodes { name prefix scopes } } account { users { nodes { email role } }
    orders { nodes { id amountCents } } devices { nodes { name streamingUrl captures { nodes { url } } actions { nodes { note } } } }
    deviceMarks { nodes { data { url } analysis { faces { box { x y } } } } } } } }`;

  it.each(['PROFILES_READ', 'USERDATA_DELETE'])('refuses everything but the app’s public fields to a %s key', async (scope) => {
    const secret = scope === 'PROFILES_READ' ? keyReadSecret : keyDeleteSecret;
    const response = await graph.request(ISSUE_QUERY, {}, { headers: { api_key: secret } });
    expect(response.data).toEqual({ app: null });
    const refused = (response.errors ?? []).map((e) => [withoutIndexes(e.path), e.extensions?.code]);
    expect(refused).toEqual(expect.arrayContaining([['app.apiKeys', 'FORBIDDEN']]));
    // Nothing else came back: neither users, orders, devices nor marks (all under the refused `account`).
    expect(JSON.stringify(response)).not.toMatch(/@|amountCents":\d|streamingUrl":"http/);

    const open = await graph.request(`{ app(id: "demo-app") { id name platform kind active } }`, {}, { headers: { api_key: secret } });
    expect(open).toEqual({ data: { app: { id: 'demo-app', name: DEMO.app.name, platform: 'ANDROID', kind: 'TRIAL', active: true } } });
  });

  it('surfaces a nested refusal as an errors entry with its path and code, not a silent null', async () => {
    const response = await graph.request(`{ app(id: "demo-app") { id account { id } } }`, {}, { headers: { api_key: keyReadSecret } });
    expect(response.data).toEqual({ app: null });
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['app', 'account'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN', policy: 'App.account' }),
      }),
    ]);
    expect(response.errors![0]!.message).toMatch(/sign in as a user/);
  });

  it('gives the key’s token nothing through _entities on the devices and analytics subgraphs', async () => {
    const device = await graph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Device { id name streamingUrl } } }`,
      { r: [{ __typename: 'Device', id: DEMO.device.id }] },
      { url: graph.subgraphs.devices.url, token: keyReadToken },
    );
    expect(device.data?._entities ?? [null]).toEqual([null]);
    expect(device.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', policy: 'Device' });

    const analysis = await graph.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on DeviceMark { id analysis { faces { box { x y } } } } ... on Device { actions { nodes { note } } } } }`,
      {
        r: [
          { __typename: 'DeviceMark', id: ZERO_UUID, data: { id: ZERO_UUID } },
          { __typename: 'Device', id: DEMO.device.id },
        ],
      },
      { url: graph.subgraphs.analytics.url, token: keyReadToken },
    );
    expect((analysis.data?._entities ?? []).filter(Boolean)).toEqual([]);
    expect(analysis.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(analysis)).not.toMatch(/"note"|"box"/);
  });
});
