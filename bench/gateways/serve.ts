/**
 * Iris's engine with none of Iris's own concerns, as `pnpm gateway:serve` runs it (Fastify, Apollo
 * Server, the engine, every header forwarded): beside the full gateway, what Iris's policies cost.
 */
import { serveSupergraph } from '../../gateway/src/engine/serve.js';
import { serveParent, subgraphUrls, supergraphSdl } from './child.js';

const served = await serveSupergraph({ supergraphSdl: supergraphSdl(subgraphUrls()), host: '127.0.0.1', port: 0 });
serveParent({ type: 'ready', url: served.url }, served.close);
