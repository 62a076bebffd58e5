import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

import { assertSafeKey, StorageNotFoundError, type ObjectStorage } from './port.js';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Files under `<root>` (DATA_DIR/files by default): the zero-dependency choice for a single-node install. */
export const createLocalDiskStorage = (root: string): ObjectStorage => {
  const base = resolve(root);
  const pathOf = (key: string) => {
    assertSafeKey(key);
    return join(base, key);
  };
  return {
    kind: 'local',
    put: async (key, body) => {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Write then rename: a crash mid-write never leaves a truncated file under the real key.
      const temporary = `${path}.${randomUUID()}.tmp`;
      await writeFile(temporary, body);
      await rename(temporary, path);
    },
    get: async (key) => {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if (isMissing(error)) throw new StorageNotFoundError(key);
        throw error;
      }
    },
    delete: async (key) => {
      const path = pathOf(key);
      await rm(path, { force: true });
      // Empty per-document and per-tenant folders go too, so a deleted tenant leaves nothing behind.
      for (let dir = dirname(path); dir.startsWith(`${base}${sep}`); dir = dirname(dir)) {
        try {
          await rmdir(dir);
        } catch {
          break; // not empty (or already gone): the folders above are not empty either
        }
      }
    },
    exists: async (key) => {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    close: () => {},
  };
};
