import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { anonymous, type AuthState } from '../auth/principal.js';
import { unauthenticated } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { callerKind, operationLogPlugin } from './operationLog.js';

const typeDefs = /* GraphQL */ `
  type Query {
    hello: String
    secret: String
    echo(n: Int): Int
  }
  type Mutation {
    ping: Boolean
  }
`;
const resolvers = {
  Query: {
    hello: () => 'world',
    echo: (_: unknown, { n }: { n: number }) => n,
    secret: () => {
      throw unauthenticated({ reason: 'TOKEN_EXPIRED', message: 'The access token expired: refresh it.' });
    },
  },
  Mutation: { ping: () => true },
};

function logged(level = 'info') {
  const lines: Record<string, any>[] = [];
  const logger = createLogger({ level, name: 'iris', format: 'json' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { lines, logger };
}

async function serve(options: { level?: 'info' | 'debug' }) {
  const server = new ApolloServer<{ logger: Logger; auth: AuthState; internal?: boolean }>({
    typeDefs,
    resolvers,
    plugins: [operationLogPlugin(options)],
  });
  await server.start();
  return server;
}

const user: AuthState = { principal: { kind: 'user', userId: 'u', accountId: 'a', role: 'MAIN' }, credentialError: null };

describe('the operation line', () => {
  it('says what ran, how it ended, how long it took and who asked, in one line', async () => {
    const { lines, logger } = logged();
    const server = await serve({ level: 'info' });
    await server.executeOperation(
      { query: 'query Greeting { hello }' },
      { contextValue: { logger: logger.child({ requestId: 'r-1' }), auth: user } },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      requestId: 'r-1',
      operationType: 'query',
      operationName: 'Greeting',
      result: 'ok',
      caller: 'user:MAIN',
    });
    expect(lines[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(lines[0]!.msg).toMatch(/^query Greeting ok [\d.]+ ms user:MAIN$/);
    expect(lines[0]!.errors).toBeUndefined();
    await server.stop();
  });

  it('gives a refusal its code and reason', async () => {
    const { lines, logger } = logged();
    const server = await serve({ level: 'info' });
    await server.executeOperation({ query: '{ secret }' }, { contextValue: { logger, auth: anonymous } });
    expect(lines[0]).toMatchObject({
      operationType: 'query',
      operationName: null,
      rootFields: ['secret'],
      result: 'UNAUTHENTICATED/TOKEN_EXPIRED',
      caller: 'anonymous',
    });
    expect(lines[0]!.errors).toEqual([
      { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED', message: 'The access token expired: refresh it.', path: 'secret' },
    ]);
    // An unnamed operation is named by its root fields.
    expect(lines[0]!.msg).toMatch(/^query \{ secret \} UNAUTHENTICATED\/TOKEN_EXPIRED [\d.]+ ms anonymous$/);
    await server.stop();
  });

  it('logs documents that do not parse or validate, without repeating the values sent', async () => {
    const { lines, logger } = logged();
    const server = await serve({ level: 'info' });
    await server.executeOperation({ query: '{ hello' }, { contextValue: { logger, auth: anonymous } });
    await server.executeOperation(
      { query: 'query Q($n: Int!) { echo(n: $n) }', variables: { n: 'hunter2-password' } },
      { contextValue: { logger, auth: anonymous } },
    );
    await server.executeOperation({ query: 'query Named { nope }' }, { contextValue: { logger, auth: anonymous } });
    expect(lines.map((l) => [l.result, l.operationType, l.operationName])).toEqual([
      ['GRAPHQL_PARSE_FAILED', null, null],
      ['BAD_USER_INPUT', 'query', 'Q'],
      // Named from its text although it did not validate.
      ['GRAPHQL_VALIDATION_FAILED', 'query', 'Named'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    await server.stop();
  });

  it('warns when the server failed', async () => {
    const { lines, logger } = logged();
    const server = new ApolloServer<{ logger: Logger; auth: AuthState }>({
      typeDefs,
      resolvers: {
        Query: {
          hello: () => {
            throw new GraphQLError('down', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
          },
        },
      },
      plugins: [operationLogPlugin({ level: 'info' })],
    });
    await server.start();
    await server.executeOperation({ query: 'mutation { ping }' }, { contextValue: { logger, auth: user } });
    await server.executeOperation({ query: '{ hello }' }, { contextValue: { logger, auth: user } });
    expect(lines.map((l) => [l.level, l.operationType, l.result])).toEqual([
      [30, 'mutation', 'ok'],
      [40, 'query', 'SERVICE_UNAVAILABLE'],
    ]);
    await server.stop();
  });

  it('is at debug level by default (subgraphs) and for executions a server makes for itself', async () => {
    const atInfo = logged('info');
    const server = await serve({});
    await server.executeOperation({ query: '{ hello }' }, { contextValue: { logger: atInfo.logger, auth: user } });
    expect(atInfo.lines).toHaveLength(0);

    const atDebug = logged('debug');
    const gateway = await serve({ level: 'info' });
    await gateway.executeOperation({ query: '{ hello }' }, { contextValue: { logger: atDebug.logger, auth: user, internal: true } });
    expect(atDebug.lines).toMatchObject([{ level: 20, result: 'ok' }]);
    await server.stop();
    await gateway.stop();
  });
});

it('names the kind of caller, never who', () => {
  expect(callerKind(anonymous)).toBe('anonymous');
  expect(callerKind(user)).toBe('user:MAIN');
  expect(callerKind({ principal: { kind: 'app', via: 'apiKey', appId: 'demo-app', accountId: 'a', scopes: [] } })).toBe('app:apiKey');
});
