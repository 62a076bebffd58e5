import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  constructor(readonly pid: number) {
    super(`data directory in use by pid ${pid}`);
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * PGlite has no cross-process locking: two processes on one data dir both write and corrupt it. A pid file created
 * with O_EXCL is the guard; a file left by a dead process (kill -9) is taken over.
 */
export const acquireDataDirLock = (dir: string): { release: () => void } => {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'switchboard.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release: () => {
          if (readPid(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readPid(path);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new DataDirInUseError(owner);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock data directory ${dir}`);
};

const readPid = (path: string): number | undefined => {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
};
