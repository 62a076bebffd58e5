import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { TestApp } from '../../helpers/build-test-app.js';
import type { TestTenant } from '../../helpers/fixtures.js';

export const fixture = (path: string) => readFile(new URL(`../../fixtures/docs/${path}`, import.meta.url));

/** A multipart/form-data body the way browsers and curl send it. */
export const multipart = (fields: Record<string, string>, file?: { filename: string; content: Buffer; type?: string; field?: string }) => {
  const boundary = `----switchboard${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\n` +
          `content-type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
};

export const createKnowledgeBase = async (t: TestApp, tenant: TestTenant, body: Record<string, unknown> = {}) => {
  const response = await t.app.inject({ method: 'POST', url: '/api/v1/knowledge-bases', headers: tenant.headers, payload: { name: 'Help centre', ...body } });
  if (response.statusCode !== 201) throw new Error(`knowledge base not created: ${response.body}`);
  return response.json().data as { id: string; chunkSize: number; chunkOverlap: number };
};

export const upload = (t: TestApp, tenant: TestTenant, knowledgeBaseId: string, file: { filename: string; content: Buffer; type?: string }) => {
  const form = multipart({ knowledgeBaseId }, file);
  return t.app.inject({ method: 'POST', url: '/api/v1/documents', headers: { ...tenant.headers, ...form.headers }, payload: form.payload });
};

/** Runs the worker until no runnable job is left (each pipeline step enqueues the next). */
export const runJobs = async (t: TestApp, maxRounds = 50) => {
  for (let round = 0; round < maxRounds; round++) {
    const claimed = await t.container.worker.pollOnce();
    await t.container.worker.drain();
    if (claimed === 0) return;
  }
  throw new Error('jobs still pending after the maximum number of rounds');
};

export type DocumentServer = { origin: string; host: string; requests: string[]; close: () => Promise<void> };

/** A small website for from-URL tests: each path answers with the given status, type and body. */
export const startDocumentServer = async (
  routes: Record<string, { status?: number; type: string; body: string | Buffer }>,
): Promise<DocumentServer> => {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes[req.url ?? ''];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': route.type }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
