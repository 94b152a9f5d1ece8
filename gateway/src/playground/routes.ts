import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { GatewayPlugin } from '../plugin.js';
import { playgroundPage } from './page.js';

const require = createRequire(import.meta.url);

/** The playground's files, from the npm packages the gateway depends on: nothing is fetched from a CDN. */
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'graphiql.min.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.min.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
  'react.production.min.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.production.min.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphql-ws.min.js': { pkg: 'graphql-ws', file: 'umd/graphql-ws.min.js', type: 'text/javascript' },
};

/** The playground's own browser modules, beside its page (`gateway/src/playground/`). */
const MODULES = ['main.js', 'session.js', 'transport.js'];

/** A package's folder (its `exports` may not list the prebuilt browser files it ships). */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = parent;
  }
  return dir;
}

/**
 * GraphiQL at `/`, and at `/graphql` for a browser (a GET asking for HTML), with its assets under
 * `/playground/assets/`. Loaded once at start, served from memory.
 */
export function registerPlayground(app: FastifyInstance): void {
  const files = new Map(
    Object.entries(ASSETS).map(([name, { pkg, file, type }]) => [
      name,
      { body: readFileSync(join(packageRoot(pkg), file)), type, cache: 'public, max-age=86400' },
    ]),
  );
  // Our own modules change with the gateway, not with a package version: revalidated on every load.
  for (const name of MODULES) {
    files.set(name, { body: readFileSync(new URL(`./${name}`, import.meta.url)), type: 'text/javascript', cache: 'no-cache' });
  }
  const page = playgroundPage();
  const sendPage = (reply: import('fastify').FastifyReply) =>
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);

  app.get('/', async (_request, reply) => sendPage(reply));
  app.get('/playground/assets/:file', async (request, reply) => {
    const file = files.get((request.params as { file: string }).file);
    if (!file) return reply.code(404).send({ error: 'No such file.' });
    return reply.header('content-type', file.type).header('cache-control', file.cache).send(file.body);
  });
  // A browser opening /graphql gets the playground; GraphQL clients (GET with a query, or POST) do not.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || !request.url.startsWith('/graphql')) return;
    const url = new URL(request.url, 'http://local');
    if (url.pathname !== '/graphql' || url.searchParams.has('query')) return;
    if (!String(request.headers.accept ?? '').includes('text/html')) return;
    return sendPage(reply);
  });
}

/** The playground (see `registerPlayground`), where PLAYGROUND allows it (by default outside production). */
export function usePlayground(enabled: boolean): GatewayPlugin {
  return { name: 'playground', ...(enabled && { register: (app) => registerPlayground(app) }) };
}
