import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeS3 = {
  endpoint: string;
  /** Stored objects by `bucket/key`. */
  objects: Map<string, { body: Buffer; contentType?: string }>;
  requests: { method: string; path: string; authorization?: string }[];
  close: () => Promise<void>;
};

const readBody = async (req: IncomingMessage) => {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
};

const xmlError = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/**
 * A path-style S3 endpoint holding objects in memory: PUT, GET, HEAD and DELETE of single objects, the calls the
 * storage adapter makes. Requests not signed (SigV4) with `accessKeyId` are refused like S3 does.
 */
export const startFakeS3 = async (options: { bucket: string; accessKeyId: string }): Promise<FakeS3> => {
  const objects = new Map<string, { body: Buffer; contentType?: string }>();
  const requests: FakeS3['requests'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://fake').pathname);
      const authorization = req.headers.authorization;
      requests.push({ method: req.method ?? '', path, authorization });
      const body = await readBody(req);
      const send = (status: number, payload?: string | Buffer, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'x-amz-request-id': 'fake', ...headers });
        res.end(req.method === 'HEAD' ? undefined : payload);
      };
      if (!authorization?.startsWith(`AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/`)) {
        return send(403, xmlError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist'), { 'content-type': 'application/xml' });
      }
      const [, bucket, ...rest] = path.split('/');
      const key = rest.join('/');
      if (bucket !== options.bucket) return send(404, xmlError('NoSuchBucket', 'The specified bucket does not exist'), { 'content-type': 'application/xml' });
      const id = `${bucket}/${key}`;
      switch (req.method) {
        case 'PUT':
          objects.set(id, { body, contentType: req.headers['content-type'] });
          return send(200, '', { etag: '"fake"' });
        case 'GET':
        case 'HEAD': {
          const object = objects.get(id);
          if (!object) return send(404, xmlError('NoSuchKey', 'The specified key does not exist.'), { 'content-type': 'application/xml' });
          return send(200, object.body, {
            'content-type': object.contentType ?? 'application/octet-stream',
            'content-length': String(object.body.length),
          });
        }
        case 'DELETE':
          objects.delete(id);
          return send(204);
        default:
          return send(405, xmlError('MethodNotAllowed', 'not supported by the fake'), { 'content-type': 'application/xml' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
