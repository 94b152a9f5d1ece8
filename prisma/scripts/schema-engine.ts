import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
// The package root targets bundlers (it imports the .wasm as a module); Node loads the glue and
// instantiates the WebAssembly itself.
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';

/**
 * Prisma's schema engine compiled to WebAssembly, from the npm registry: it computes migration SQL
 * the way `prisma migrate diff` does, without the native binary the CLI would download.
 */
const require = createRequire(import.meta.url);
// Node's WebAssembly global; TypeScript only types it with the DOM library, which Iris does not load.
const wasm = (
  globalThis as unknown as {
    WebAssembly: { Instance: new (m: unknown, imports: unknown) => { exports: unknown }; Module: new (bytes: Buffer) => unknown };
  }
).WebAssembly;
let loaded = false;
function loadEngine(): typeof engineGlue {
  if (loaded) return engineGlue;
  // The engine build that matches the installed Prisma CLI ships inside it; the glue package is the
  // nearest published one and loads it unchanged.
  const wasmFile = join(dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm');
  const instance = new wasm.Instance(new wasm.Module(readFileSync(wasmFile)), { './schema_engine_bg.js': engineGlue });
  (engineGlue as unknown as { __wbg_set_wasm: (e: unknown) => void }).__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY = {
    set_message: (message: string) => console.error(`schema engine panic: ${message}`),
  };
  loaded = true;
  return engineGlue;
}

export interface SchemaFile {
  path: string;
  content: string;
}

/** Every `.prisma` file under a folder, as one multi-file schema. */
export function readSchemaFiles(dir: string): SchemaFile[] {
  const root = resolve(dir);
  if (!statSync(root).isDirectory()) return [{ path: root, content: readFileSync(root, 'utf8') }];
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.prisma'))
    .sort()
    .map((file) => ({ path: join(root, file), content: readFileSync(join(root, file), 'utf8') }));
}

// The engine connects through a driver adapter even for a diff between two datamodels; it only asks
// for the server version, so this adapter answers that and refuses everything else.
const ok = <T>(value: T) => ({ ok: true as const, value });
const refuse = (what: string) => async () => ({
  ok: false as const,
  error: { kind: 'GenericJs', id: 0, message: `no database (${what})` },
});
const offlineAdapter = {
  provider: 'postgres',
  adapterName: 'iris-offline',
  getConnectionInfo: () => ok({ supportsRelationJoins: true }),
  async queryRaw(query: { sql: string }) {
    if (query.sql.includes('server_version_num')) {
      return ok({
        columnNames: ['exists', 'version', 'numeric_version'],
        columnTypes: [5, 7, 0],
        rows: [[true, 'PostgreSQL 16.0', 160000]],
      });
    }
    return refuse(`queryRaw: ${query.sql}`)();
  },
  executeRaw: refuse('executeRaw'),
  executeScript: refuse('executeScript'),
  startTransaction: refuse('startTransaction'),
  dispose: async () => ok(undefined),
};
const offlineFactory = {
  provider: 'postgres',
  adapterName: 'iris-offline',
  connect: async () => ok(offlineAdapter),
  connectToShadowDb: async () => ok(offlineAdapter),
};

/** The SQL that takes a database from schema `from` (or nothing) to schema `to`. */
export async function diffSchemas(from: SchemaFile[] | 'empty', to: SchemaFile[]): Promise<string> {
  const glue = loadEngine() as unknown as {
    SchemaEngine: {
      new: (
        params: unknown,
        log: (l: string) => void,
        factory: unknown,
      ) => Promise<{ diff: (p: unknown) => Promise<{ stdout?: string }>; free: () => void }>;
    };
  };
  const engine = await glue.SchemaEngine.new({ datamodels: undefined }, () => {}, offlineFactory);
  try {
    const { stdout } = await engine.diff({
      from: from === 'empty' ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: from },
      to: { tag: 'schemaDatamodel', files: to },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return stdout ?? '';
  } finally {
    engine.free();
  }
}

export const EMPTY_MIGRATION = '-- This is an empty migration.';

/** The files of a multi-file schema as one schema (the generator and datasource appear once). */
export function concatSchema(files: SchemaFile[]): string {
  return files.map((f) => `// ${f.path.split('/prisma/schema/')[1] ?? f.path}\n${f.content.trim()}\n`).join('\n');
}
