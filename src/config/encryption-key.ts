import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Config } from './env.js';

export type KeySource = 'env' | 'file' | 'generated';

/**
 * A self-hosted install must encrypt secrets from the first start without the operator doing anything, so an unset
 * ENCRYPTION_KEY is generated once and kept under DATA_DIR. Scale-out deployments set it explicitly so every
 * process shares it.
 */
export const resolveEncryptionKey = (config: Config): { key: string; source: KeySource } => {
  if (config.encryptionKey) return { key: config.encryptionKey, source: 'env' };
  const path = join(config.dataDir, 'encryption.key');
  try {
    const stored = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/i.test(stored)) return { key: stored, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated' };
};
