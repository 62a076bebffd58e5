/**
 * Where uploaded originals live. Keys are relative paths (`tenants/<tenantId>/documents/<id>`) built by the caller;
 * implementations must refuse keys that could escape their root.
 */
export type ObjectStorage = {
  readonly kind: 'local' | 's3';
  put: (key: string, body: Uint8Array, options?: { contentType?: string }) => Promise<void>;
  /** Throws StorageNotFoundError when nothing is stored under the key. */
  get: (key: string) => Promise<Buffer>;
  /** Idempotent: deleting a missing key succeeds, so retried cleanup jobs do not fail. */
  delete: (key: string) => Promise<void>;
  exists: (key: string) => Promise<boolean>;
  /** Releases pooled connections at shutdown. */
  close: () => void;
};

export class StorageNotFoundError extends Error {
  constructor(key: string) {
    super(`no stored object under ${key}`);
    this.name = 'StorageNotFoundError';
  }
}

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Keys are generated from ids, never from user input; this is the last line of defence against `../`. */
export const assertSafeKey = (key: string): void => {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.') || key.length > 512) {
    throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
  }
};
