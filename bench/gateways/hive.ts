/**
 * Hive Gateway: `createGatewayRuntime` with the supergraph and `authorization` propagated to the
 * subgraphs, otherwise on its defaults, served with node:http.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { serveParent, subgraphUrls, supergraphSdl } from './child.js';

const gateway = createGatewayRuntime({
  supergraph: supergraphSdl(subgraphUrls()),
  logging: 'warn',
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
  },
});
const server = createServer(gateway);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
serveParent({ type: 'ready', url: `http://127.0.0.1:${port}/graphql` }, async () => {
  await new Promise((resolve) => server.close(resolve));
  await gateway.dispose();
});
