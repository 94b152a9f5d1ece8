/** The fan-out benchmark's subgraphs, each on its own port of this one process, answering from memory. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from '../gateways/child.js';
import { fanoutSubgraph, subgraphNames } from './graph.js';

const urls: Record<string, string> = {};
const servers = await Promise.all(
  subgraphNames.map(async (name) => {
    const answer = fanoutSubgraph(name);
    const server = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const text = await answer(body);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    return server;
  }),
);
serveParent({ type: 'ready', url: '', subgraphs: urls }, async () => {
  for (const server of servers) server.close();
});
