import type { ApolloGateway } from '@apollo/gateway';
import type { Config, Logger } from '@iris/core';
import { createGateway } from '../engine/index.js';
import type { Subgraphs } from './subgraphs.js';
import { watchSupergraphFile } from './supergraphFile.js';

/**
 * What executes queries and mutations: `@apollo/gateway`'s planner, and its executor or Iris's engine
 * (GATEWAY_EXECUTOR), over the composed supergraph (the SDL given,
 * or SUPERGRAPH_PATH, loaded again whenever the file changes: `supergraphFile.ts`), fetching each
 * subgraph's part through `Subgraphs` (its address, resilience and metrics; the engine through its
 * direct clients, `Subgraphs.clients`).
 */
export function createExecutor(options: {
  config: Pick<Config, 'SUPERGRAPH_PATH' | 'GATEWAY_EXECUTOR'>;
  logger: Logger;
  subgraphs: Subgraphs;
  supergraphSdl?: string | undefined;
}): ApolloGateway {
  // @apollo/gateway otherwise reports usage data to Apollo and probes cloud metadata servers (AWS, GCP,
  // Azure, Alibaba) at start. Iris sends nothing anywhere unless its operator asks to.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  return createGateway(
    {
      supergraphSdl: options.supergraphSdl ?? watchSupergraphFile(options.config.SUPERGRAPH_PATH, options.logger),
      buildService: ({ name, url }) => options.subgraphs.dataSource(name, url),
      logger: options.logger,
    },
    options.config.GATEWAY_EXECUTOR,
    // Iris explains each entity a subgraph answered null for (`valueCompletion.ts`).
    { subgraphClients: options.subgraphs.clients, reportUnresolvedEntities: true },
  );
}
