import { ApolloGateway } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import { createGateway, EngineGateway, gatewayExecutorFromEnv, readsInternals } from './gateway.js';
import { inMemoryGraph } from './testing/subgraphs.js';

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

describe('the @apollo/gateway state the engine reads', () => {
  it('is there in the pinned version, and its absence is said once and leaves every request to the stock executor', async () => {
    const graph = inMemoryGraph();
    const gateway = new EngineGateway({
      supergraphSdl: graph.supergraphSdl,
      buildService: ({ name }) => ({ process: ({ request }) => graph.fetch(name, { query: request.query! }) as never }),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    await gateway.load();
    try {
      const warnings: string[] = [];
      const logger = { warn: (message: string) => warnings.push(message) } as never;
      expect(readsInternals(gateway as never, logger)).toBe(true);
      // As a later @apollo/gateway might hold its plan cache: under another name.
      const { queryPlanStore, ...renamed } = { ...gateway } as Record<string, unknown>;
      expect(readsInternals({ ...renamed, queryPlanStore } as never, logger)).toBe(true);
      expect(readsInternals({ ...renamed, planCache: queryPlanStore } as never, logger)).toBe(false);
      expect(warnings).toEqual([expect.stringContaining('every operation runs on its own executor')]);
    } finally {
      await gateway.stop();
    }
  });
});
