import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLocalDiskStorage } from '../../../src/adapters/storage/local-disk.js';
import { StorageNotFoundError, type ObjectStorage } from '../../../src/adapters/storage/port.js';
import { createS3Storage } from '../../../src/adapters/storage/s3.js';
import { startFakeS3, type FakeS3 } from './fake-s3-server.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

/** The behaviour every storage implementation owes the knowledge module. */
const contract = (name: string, make: () => ObjectStorage) => {
  describe(`${name} storage`, () => {
    it('stores, reads back byte for byte, reports existence and deletes idempotently', async () => {
      const storage = make();
      const binary = new Uint8Array([0, 255, 37, 80, 68, 70, 10, 13, 0]);
      await storage.put('tenants/t1/documents/d1', binary, { contentType: 'application/pdf' });
      expect(new Uint8Array(await storage.get('tenants/t1/documents/d1'))).toEqual(binary);
      expect(await storage.exists('tenants/t1/documents/d1')).toBe(true);
      await storage.put('tenants/t1/documents/d1', bytes('replaced'));
      expect((await storage.get('tenants/t1/documents/d1')).toString()).toBe('replaced');
      await storage.delete('tenants/t1/documents/d1');
      await storage.delete('tenants/t1/documents/d1');
      expect(await storage.exists('tenants/t1/documents/d1')).toBe(false);
      await expect(storage.get('tenants/t1/documents/d1')).rejects.toBeInstanceOf(StorageNotFoundError);
    });

    it('refuses keys that could escape the root', async () => {
      const storage = make();
      for (const key of ['../etc/passwd', 'tenants/../../x', '/abs', 'a//b', '']) {
        await expect(storage.put(key, bytes('x')), key).rejects.toThrow(/invalid storage key/);
      }
    });
  });
};

let dir: string;
let s3: FakeS3;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchboard-storage-'));
  s3 = await startFakeS3({ bucket: 'docs', accessKeyId: 'AKIAFAKE' });
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

contract('local disk', () => createLocalDiskStorage(join(dir, 'files')));
contract('S3', () =>
  createS3Storage({
    bucket: 'docs',
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    accessKeyId: 'AKIAFAKE',
    secretAccessKey: 'secret',
    prefix: 'sb/',
  }),
);

describe('S3 storage against the fake server', () => {
  it('signs requests, uses path-style URLs under the prefix and sends the content type', async () => {
    const storage = createS3Storage({
      bucket: 'docs', region: 'eu-west-1', endpoint: s3.endpoint, forcePathStyle: true,
      accessKeyId: 'AKIAFAKE', secretAccessKey: 'secret', prefix: 'install-a/',
    });
    await storage.put('tenants/t9/documents/x', bytes('hello'), { contentType: 'text/plain' });
    expect(s3.objects.get('docs/install-a/tenants/t9/documents/x')).toEqual({ body: Buffer.from('hello'), contentType: 'text/plain' });
    const put = s3.requests.filter((request) => request.method === 'PUT').at(-1)!;
    expect(put.path).toBe('/docs/install-a/tenants/t9/documents/x');
    expect(put.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKE\/\d{8}\/eu-west-1\/s3\/aws4_request/);
    storage.close();
  });

  it('surfaces a refused credential as an error, not as a missing object', async () => {
    const storage = createS3Storage({
      bucket: 'docs', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true,
      accessKeyId: 'WRONG', secretAccessKey: 'secret', prefix: '',
    });
    await expect(storage.get('tenants/t1/documents/nothing')).rejects.not.toBeInstanceOf(StorageNotFoundError);
    await expect(storage.put('tenants/t1/documents/nothing', bytes('x'))).rejects.toThrow();
    storage.close();
  });
});

describe('local disk storage', () => {
  it('leaves no temporary files behind', async () => {
    const root = join(dir, 'tmpcheck');
    const storage = createLocalDiskStorage(root);
    await storage.put('a/b', bytes('1'));
    expect(await readdir(join(root, 'a'))).toEqual(['b']);
  });
});

describe('storage configuration', () => {
  it('defaults to DATA_DIR/files and requires a bucket for S3', async () => {
    const { ConfigError, loadConfig } = await import('../../../src/config/env.js');
    expect(loadConfig({ DATA_DIR: '/srv/sb' }).storage).toEqual({ driver: 'local', dir: join('/srv/sb', 'files') });
    expect(() => loadConfig({ STORAGE_DRIVER: 's3' })).toThrow(ConfigError);
    expect(() => loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'docs', S3_PREFIX: 'no-slash' })).toThrow(/S3_PREFIX/);
    expect(loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'docs', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' }).storage).toEqual({
      driver: 's3',
      s3: { bucket: 'docs', region: 'us-east-1', endpoint: 'http://minio:9000', forcePathStyle: true, accessKeyId: undefined, secretAccessKey: undefined, prefix: '' },
    });
  });
});
