import { AccessTokenVerifier, createLogger, loadTokenKeys, type Config } from '@iris/core';
import { describe, expect, it, vi } from 'vitest';
import { gatewayContextFactory, internalContext } from './context.js';
import { ApiKeyExchange } from './policy/apiKeys.js';

const config = { JWT_ISSUER: 'iris', JWT_AUDIENCE: 'iris-graph', ACCESS_TOKEN_TTL_SECONDS: 900, NODE_ENV: 'test' } as Config;

async function contextFactory() {
  const logger = createLogger({ level: 'silent', name: 'test' });
  const child = vi.spyOn(logger, 'child');
  const verifier = new AccessTokenVerifier({ keys: await loadTokenKeys(config) }, config);
  const apiKeys = new ApiKeyExchange({ request: () => Promise.reject(new Error('no identity here')) });
  return { create: gatewayContextFactory({ verifier, apiKeys, logger }), child };
}

describe('the gateway context', () => {
  it('makes the request logger only when something is logged, also on the copy Apollo Server makes of it', async () => {
    const { create, child } = await contextFactory();
    const context = await create({ headers: { 'x-request-id': 'req-1' }, clientAddress: '127.0.0.1' });
    // What Apollo Server does with every request's context (`cloneObject` in ApolloServer.js).
    const copy = Object.assign(Object.create(Object.getPrototypeOf(context)), context);
    expect(child).not.toHaveBeenCalled();
    expect(copy.requestId).toBe('req-1');
    copy.logger.info('logged');
    copy.logger.warn('logged again');
    expect(child).toHaveBeenCalledTimes(1);
    expect(child).toHaveBeenCalledWith({ requestId: 'req-1' });
  });

  it('an execution the gateway makes for a caller keeps the caller and its logger, marked internal', async () => {
    const { create, child } = await contextFactory();
    const context = await create({ headers: { 'x-request-id': 'req-2' }, clientAddress: '10.0.0.1' });
    const internal = internalContext(context);
    expect(internal).toMatchObject({ requestId: 'req-2', clientAddress: '10.0.0.1', auth: context.auth, internal: true });
    expect(context.internal).toBeUndefined();
    expect(typeof internal.logger.error).toBe('function');
    expect(child).toHaveBeenCalledWith({ requestId: 'req-2' });
  });
});
