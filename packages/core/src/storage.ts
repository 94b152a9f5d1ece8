import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * Where capture images live: a blob store shared by the subgraph that writes them (devices) and the
 * one that analyses them (analytics), as an object store would be. Keys are opaque paths.
 */
export interface BlobStorage {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Null when there is no such blob. */
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
}

/** Files under one folder (the default). */
export class FileSystemStorage implements BlobStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  #path(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`blob key escapes the storage folder: ${key}`);
    return path;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}

/** The capture store for a data folder; `memory` (tests) gets a fresh temporary folder. */
export function captureStorage(dataDir: string): FileSystemStorage {
  return new FileSystemStorage(
    dataDir === 'memory' ? join(tmpdir(), `iris-captures-${process.pid}-${Date.now().toString(36)}`) : join(dataDir, 'captures'),
  );
}
