import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { acquireDataDirLock, DataDirInUseError } from './data-dir-lock.js';

describe('data dir lock', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-lock-'));
    dirs.push(dir);
    return dir;
  };
  /** A live process that is not us. */
  const liveProcess = async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    return child.pid!;
  };
  const lockPath = (dir: string) => join(dir, 'switchboard.pid');

  it('is taken by one holder at a time, leaves no debris, and is free again after release', () => {
    const dir = newDir();
    const lock = acquireDataDirLock(dir);
    expect(readFileSync(lockPath(dir), 'utf8')).toBe(String(process.pid));
    expect(readdirSync(dir)).toEqual(['switchboard.pid']);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
    acquireDataDirLock(dir).release();
  });

  it('refuses a data dir locked by a live process that started before it wrote the lock', async () => {
    const dir = newDir();
    const owner = await liveProcess();
    writeFileSync(lockPath(dir), String(owner));
    expect(() => acquireDataDirLock(dir)).toThrow(new DataDirInUseError(owner));
    expect(readFileSync(lockPath(dir), 'utf8')).toBe(String(owner));
    expect(readdirSync(dir)).toEqual(['switchboard.pid']);
  });

  it('takes over a lock left by a dead process, and an empty one', async () => {
    for (const content of ['dead', '']) {
      const dir = newDir();
      const child = spawn('true', { stdio: 'ignore' });
      await once(child, 'exit');
      writeFileSync(lockPath(dir), content === 'dead' ? String(child.pid) : '');
      const lock = acquireDataDirLock(dir);
      expect(readFileSync(lockPath(dir), 'utf8')).toBe(String(process.pid));
      expect(readdirSync(dir)).toEqual(['switchboard.pid']);
      lock.release();
    }
  });

  it('takes over a lock whose pid now belongs to a process started after the lock was written (a recycled pid)', async () => {
    const dir = newDir();
    const recycled = await liveProcess();
    writeFileSync(lockPath(dir), String(recycled));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(lockPath(dir), anHourAgo, anHourAgo);
    const lock = acquireDataDirLock(dir);
    expect(readFileSync(lockPath(dir), 'utf8')).toBe(String(process.pid));
    lock.release();
  });
});
