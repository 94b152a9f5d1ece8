import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEMO, signAccessToken } from '@iris/core';
import { Kind, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type GraphQLResponse, type TestGraph } from './support/graph.js';

/**
 * Input a client made up is the client's mistake, answered as BAD_USER_INPUT or NOT_FOUND naming what
 * was wrong, never as an internal error: forged cursors, malformed DateTime literals, a token of a user
 * that no longer exists.
 */
let graph: TestGraph;
let token: string;
beforeAll(async () => {
  graph = await startTestGraph();
  token = await graph.login();
});
afterAll(async () => graph?.stop());

const forged = (...values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
const firstError = (result: GraphQLResponse) => result.errors?.[0];

describe('forged cursors', () => {
  it('answer BAD_USER_INPUT naming the argument when a UUID column is given something else', async () => {
    for (const cursor of [forged('user.id', 'not-a-uuid'), forged('user.id', "x'); DROP TABLE users; --"), forged('user.id', 12)]) {
      const result = await graph.request(
        `query($c: String) { me { account { users(first: 2, after: $c) { totalCount } } } }`,
        { c: cursor },
        { token },
      );
      expect(firstError(result)?.extensions, cursor).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    const marks = await graph.request(
      `query($c: String) { deviceMarks(first: 2, before: $c, last: 2) { totalCount } }`,
      { c: forged('mark.createdAt.desc', '2026-01-01T00:00:00.000Z', 'nope') },
      { token },
    );
    expect(firstError(marks)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('answer BAD_USER_INPUT for numbers and dates out of their column range', async () => {
    const key = await createApiKey(graph, token, DEMO.app.id, ['PROFILES_READ']);
    for (const cursor of [forged('profile.id', '99999999999999999999'), forged('profile.id', '9223372036854775808')]) {
      const result = await graph.request(
        `query($c: String) { profiles(appId: "${DEMO.app.id}", first: 2, after: $c) { totalCount } }`,
        { c: cursor },
        { headers: { api_key: key } },
      );
      expect(firstError(result)?.extensions, cursor).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    const farFuture = forged('mark.createdAt.desc', '+275760-09-13T00:00:00.000Z', DEMO.device.id);
    const marks = await graph.request(`query($c: String) { deviceMarks(first: 2, after: $c) { totalCount } }`, { c: farFuture }, { token });
    expect(firstError(marks)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('DateTime', () => {
  it('refuses a malformed literal written in the document as BAD_USER_INPUT, at the gateway and at a subgraph', async () => {
    for (const literal of ['"not a date"', '"2026-13-45T99:00:00Z"', '42']) {
      const query = `{ deviceMarks(first: 1, filter: { createdAfter: ${literal} }) { totalCount } }`;
      for (const url of [graph.url, graph.subgraphs.devices.url]) {
        const result = await graph.request(query, {}, { token, url });
        const error = firstError(result);
        expect(error?.extensions?.code, `${literal} at ${url}`).toMatch(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/);
        expect(error?.message).toMatch(/DateTime/);
      }
    }
    const statistics = await graph.request(
      `{ markStatistics(input: { from: "yesterday", to: "2026-01-02T00:00:00Z", bucket: DAY }) { count } }`,
      {},
      { token },
    );
    expect(firstError(statistics)?.extensions?.code).toMatch(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/);
  });

  it('refuses a malformed variable as BAD_USER_INPUT', async () => {
    const result = await graph.request(
      `query($after: DateTime) { deviceMarks(first: 1, filter: { createdAfter: $after }) { totalCount } }`,
      { after: 'tomorrow' },
      { token },
    );
    expect(firstError(result)?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(firstError(result)?.message).toMatch(/DateTime/);
  });

  it('still accepts a well-formed literal', async () => {
    const result = await graph.request(
      `{ deviceMarks(first: 1, filter: { createdAfter: "2020-01-01T00:00:00Z" }) { totalCount } }`,
      {},
      { token },
    );
    expect(result.errors).toBeUndefined();
  });
});

describe('createLoginToken', () => {
  it('answers NOT_FOUND for a user that no longer exists', async () => {
    const { token: orphan } = await signAccessToken(graph.keys, graph.config, {
      kind: 'user',
      userId: randomUUID(),
      accountId: DEMO.account.id,
      role: 'MEMBER',
    });
    const result = await graph.request(`mutation { createLoginToken { token } }`, {}, { token: orphan });
    expect(firstError(result)?.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('a body that is not an operation', () => {
  const post = async (body: string) => {
    const response = await fetch(graph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, error: ((await response.json()) as GraphQLResponse).errors?.[0] };
  };

  it('is answered BAD_REQUEST with what to send instead', async () => {
    for (const body of ['{}', '[1,2]', '"{ me { email } }"']) {
      const { status, error } = await post(body);
      expect(status, body).toBe(400);
      expect(error, body).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
      expect(error!.message, body).toContain('a JSON object with a `query` string');
    }
    const truncated = await post('{"query": "{ me { email } }"');
    expect(truncated.status).toBe(400);
    expect(truncated.error?.message).toMatch(/^The body is not valid JSON: check it for a missing brace/);
  });
});

/**
 * The Query fields of every subgraph that look a thing up by one UUID argument (`id` or `…Id`, of type
 * `ID!`), read from their schemas. App ids are public names such as `demo-app`, not UUIDs.
 */
const uuidLookups = ['identity', 'devices', 'analytics', 'profiles'].flatMap((subgraph) =>
  parse(readFileSync(new URL(`../subgraphs/${subgraph}/schema.graphql`, import.meta.url), 'utf8'))
    .definitions.flatMap((definition) =>
      (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
      definition.name.value === 'Query'
        ? (definition.fields ?? [])
        : [],
    )
    .flatMap((field) => {
      const args = field.arguments ?? [];
      const [argument, ...others] = args.filter((a) => a.type.kind === Kind.NON_NULL_TYPE);
      if (!argument || others.length > 0 || print(argument.type) !== 'ID!') return [];
      const name = argument.name.value;
      if (!(name === 'id' || name.endsWith('Id')) || name === 'appId' || /app id/i.test(argument.description?.value ?? '')) return [];
      return [{ field: field.name.value, argument: name, nullable: field.type.kind !== Kind.NON_NULL_TYPE }];
    }),
);

describe('root lookups by id', () => {
  const ask = (lookup: (typeof uuidLookups)[number], id: string) =>
    graph.request<Record<string, unknown>>(
      `query($id: ID!) { ${lookup.field}(${lookup.argument}: $id) { __typename } }`,
      { id },
      { token },
    );

  it('answer BAD_USER_INPUT naming the argument for a malformed id, and null for a well-formed unknown one', async () => {
    expect(uuidLookups.map((l) => l.field)).toEqual(
      expect.arrayContaining([
        'device',
        'deviceGroup',
        'deviceData',
        'deviceMark',
        'notification',
        'account',
        'action',
        'faceAnalysis',
        'analysisJob',
        'erasureReceipt',
      ]),
    );
    expect(uuidLookups.map((l) => l.field)).not.toContain('app');
    for (const lookup of uuidLookups) {
      for (const malformed of ['not-a-uuid', '', `${DEMO.device.id}0`, "x'); DROP TABLE devices; --"]) {
        const result = await ask(lookup, malformed);
        const error = firstError(result);
        expect(error?.extensions, `${lookup.field}(${lookup.argument}: ${JSON.stringify(malformed)})`).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: lookup.argument,
        });
        expect(error?.message).toMatch(new RegExp(`^${lookup.argument}: must be an? [a-z ]+ id$`));
        expect(error?.path).toEqual([lookup.field]);
      }
      const unknown = await ask(lookup, randomUUID());
      if (lookup.nullable) {
        expect(unknown.errors, lookup.field).toBeUndefined();
        expect(unknown.data?.[lookup.field], lookup.field).toBeNull();
      } else {
        // A list for an account (unsentNotificationsToday): another account's is FORBIDDEN, never bad input.
        expect(firstError(unknown)?.extensions?.code, lookup.field).not.toBe('BAD_USER_INPUT');
      }
    }
  });
});
