import type { ApolloServer } from '@apollo/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { buildSchema } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { directOperationHandler } from './http.js';

// What test/http-handler.e2e.test.ts does not reach: the cases where the handler must step aside for good.
const schema = buildSchema('type Query { hello: String }');
const request = {
  method: 'POST',
  url: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: { query: '{ hello }' },
} as unknown as FastifyRequest;
const reply = {} as FastifyReply;

function apolloWith(internals: unknown) {
  const logger = { warn: vi.fn(), error: vi.fn() };
  return { apollo: { internals, logger } as unknown as ApolloServer, logger };
}

describe('directOperationHandler', () => {
  it('leaves every request to Apollo Server, and says so, when Apollo Server’s state is not shaped as expected', async () => {
    const { apollo, logger } = apolloWith({ plugins: 'not a list' });
    const context = vi.fn(async () => ({}));
    const handler = directOperationHandler({ apollo, schema: () => schema, context });
    expect(await handler(request, reply)).toBeUndefined();
    expect(context).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('answered by Apollo Server alone'));
  });

  it('leaves every request to Apollo Server when usage reporting is installed, not when it is disabled', async () => {
    const executor = vi.fn(async () => ({ data: { hello: 'hi' } }));
    const internals = (plugins: unknown[]) => ({
      plugins,
      validationRules: [],
      validationOptions: {},
      parseOptions: {},
      stringifyResult: (result: unknown) => JSON.stringify(result),
      gatewayExecutor: executor,
      status400ForVariableCoercionErrors: true,
      includeStacktraceInErrorResponses: false,
    });
    const reporting = apolloWith(internals([{ __internal_plugin_id__: 'UsageReporting' }]));
    const context = vi.fn(async () => ({}));
    expect(await directOperationHandler({ apollo: reporting.apollo, schema: () => schema, context })(request, reply)).toBeUndefined();
    expect(executor).not.toHaveBeenCalled();

    const disabled = apolloWith(internals([{ __internal_plugin_id__: 'UsageReporting', __is_disabled_plugin__: true }]));
    const headers: Record<string, string> = {};
    let status = 0;
    const answering = {
      header: (name: string, value: string) => {
        headers[name] = value;
        return answering;
      },
      code: (code: number) => {
        status = code;
        return answering;
      },
    } as unknown as FastifyReply;
    const body = await directOperationHandler({ apollo: disabled.apollo, schema: () => schema, context })(request, answering);
    expect(body).toBe('{"data":{"hello":"hi"}}');
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(executor).toHaveBeenCalledOnce();
  });
});
