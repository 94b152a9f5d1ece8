import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '@iris/core';

/** Quiet time after the last change before the file is read: writers replace it in several steps. */
const SETTLE_MS = 100;

/**
 * The supergraph from a file (SUPERGRAPH_PATH), loaded again whenever the file changes, as an
 * `@apollo/gateway` supergraph hook: a deploy writes a newly composed supergraph and every gateway
 * serves it without a restart. The gateway swaps its schema between operations, so requests already
 * running finish on the schema they started with, and live subscriptions keep their upstream streams.
 * A file that does not hold a valid supergraph is logged and the current one kept.
 *
 * The file's folder is watched rather than the file itself, and any change in it is read and compared,
 * so atomic replacement (write elsewhere, rename over) and Kubernetes ConfigMap volumes (a symlink
 * swapped to a new folder) are seen as well as a write in place.
 */
export function watchSupergraphFile(path: string, logger: Logger): SupergraphSdlHook {
  return async ({ update }) => {
    let current = await readFile(path, 'utf8');
    let timer: NodeJS.Timeout | undefined;
    const reload = async () => {
      let next: string;
      try {
        next = await readFile(path, 'utf8');
      } catch (err) {
        // Between an unlink and the rename that replaces it, the file is briefly absent.
        logger.debug({ err, path }, 'supergraph file unreadable; waiting for its next change');
        return;
      }
      if (next === current || next.trim() === '') return;
      try {
        update(next);
        current = next;
        logger.info({ path }, 'supergraph reloaded');
      } catch (err) {
        logger.error({ err, path }, 'the changed supergraph file could not be loaded; still serving the previous supergraph');
      }
    };
    const watcher = watch(dirname(path), (_event, file) => {
      if (file && file !== basename(path) && !file.startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), SETTLE_MS);
    });
    watcher.unref();
    return {
      supergraphSdl: current,
      cleanup: async () => {
        clearTimeout(timer);
        watcher.close();
      },
    };
  };
}
