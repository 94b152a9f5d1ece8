import { ApolloGateway } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import { createGateway, EngineGateway, gatewayExecutorFromEnv } from './gateway.js';

describe('GATEWAY_EXECUTOR', () => {
  it('is iris unless set', () => {
    expect(gatewayExecutorFromEnv({})).toBe('iris');
    expect(gatewayExecutorFromEnv({ GATEWAY_EXECUTOR: 'apollo' })).toBe('apollo');
  });

  it('refuses anything else, naming the values it takes', () => {
    expect(() => gatewayExecutorFromEnv({ GATEWAY_EXECUTOR: 'fast' })).toThrow('GATEWAY_EXECUTOR must be "apollo" or "iris", not "fast"');
  });

  it('chooses the gateway', () => {
    const iris = createGateway({ supergraphSdl: 'unused' }, 'iris');
    const apollo = createGateway({ supergraphSdl: 'unused' }, 'apollo');
    expect(iris).toBeInstanceOf(EngineGateway);
    expect(apollo).toBeInstanceOf(ApolloGateway);
    expect(apollo).not.toBeInstanceOf(EngineGateway);
  });
});
