import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** When a process started, from /proc (Linux); undefined elsewhere. btime has 1 s resolution, start ticks 10 ms. */
const startedAtMs = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): the 22nd field of the line, starttime, is the 20th here.
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(startTicks) && Number.isFinite(bootSeconds) ? (bootSeconds + startTicks / 100) * 1000 : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Whether `pid` can be the process that wrote a lock file modified at `lockedAtMs`. A live process that started after
 * the lock was written got a recycled pid (a container restarted after a crash hands out the same few pids): the lock
 * is stale. Where start times are unknown (not Linux), a live pid counts as the owner.
 */
const canOwn = (pid: number, lockedAtMs: number): boolean => {
  if (!isAlive(pid)) return false;
  const started = startedAtMs(pid);
  return started === undefined || started <= lockedAtMs + 2000;
};

type LockFile = { pid?: number; mtimeMs: number };

const readLock = (path: string): LockFile | undefined => {
  try {
    const { mtimeMs } = statSync(path);
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return { pid: Number.isFinite(pid) ? pid : undefined, mtimeMs };
  } catch {
    return undefined;
  }
};

const unique = (path: string, tag: string) => `${path}.${tag}.${process.pid}.${randomBytes(4).toString('hex')}`;

/**
 * PGlite has no cross-process locking: two processes on one data dir both write and corrupt it. The guard is a pid
 * file that appears atomically with its content (written under a unique name, then hard-linked into place, which
 * fails if the file exists). A lock left by a dead process (kill -9), or whose pid now belongs to a process started
 * after it, is taken over by renaming it away first: of several processes taking it over at once only one moves
 * it, and one that moved a live lock instead (another taker's, just created) puts it back and gives way.
 */
export const acquireDataDirLock = (dir: string): { release: () => void } => {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'switchboard.pid');
  const mine = unique(path, 'new');
  writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        linkSync(mine, path);
        return {
          release: () => {
            if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const seen = readLock(path);
      if (!seen) continue; // released or moved meanwhile: try again
      // Lock files appear with their content, so one without a pid is debris and is taken over like a stale one.
      if (seen.pid !== undefined && seen.pid !== process.pid && canOwn(seen.pid, seen.mtimeMs)) throw new DataDirInUseError(seen.pid);
      const moved = unique(path, 'stale');
      try {
        renameSync(path, moved);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process took it over first
        throw error;
      }
      const taken = readLock(moved);
      if (taken?.pid !== undefined && taken.pid !== seen.pid && taken.pid !== process.pid && canOwn(taken.pid, taken.mtimeMs)) {
        // Not the stale lock any more but a live owner's, created between our read and our rename: give it back.
        try {
          linkSync(moved, path);
        } finally {
          rmSync(moved, { force: true });
        }
        throw new DataDirInUseError(taken.pid);
      }
      rmSync(moved, { force: true });
    }
    throw new Error(`could not lock data directory ${dir}`);
  } finally {
    rmSync(mine, { force: true });
  }
};
