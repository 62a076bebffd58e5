import type { IsolationSeed } from '../../helpers/tenant-isolation.js';
import { createKnowledgeBase, multipart, startDocumentServer, upload, type DocumentServer } from './knowledge-helpers.js';

let documentServer: DocumentServer | undefined;

/**
 * The from-URL route must succeed for the owner, so the isolation suite starts this server first and lists it in
 * OUTBOUND_ALLOW_HOSTS of its app.
 */
export const startKnowledgeIsolationServer = async () => {
  documentServer = await startDocumentServer({ '/policy.txt': { type: 'text/plain', body: 'Fetched policy text.' } });
  return documentServer;
};

export const knowledgeIsolationSeed: IsolationSeed = async (t, owner) => {
  if (!documentServer) throw new Error('call startKnowledgeIsolationServer() before building the app');
  const kb = await createKnowledgeBase(t, owner);
  const doomedKb = await createKnowledgeBase(t, owner, { name: 'Doomed' });
  const document = (await upload(t, owner, kb.id, { filename: 'guide.txt', content: Buffer.from('Owner-only guide.') })).json().data.id as string;
  const doomed = (await upload(t, owner, kb.id, { filename: 'doomed.txt', content: Buffer.from('To be deleted.') })).json().data.id as string;
  const batchDoomed = (await upload(t, owner, kb.id, { filename: 'batch.txt', content: Buffer.from('Batch deleted.') })).json().data.id as string;
  const form = multipart({ knowledgeBaseId: kb.id }, { filename: 'new.txt', content: Buffer.from('A brand new document.') });
  const batchForm = multipart({ knowledgeBaseId: kb.id }, { filename: 'batch-new.txt', content: Buffer.from('Another brand new document.') });
  return [
    { route: '/api/v1/knowledge-bases', method: 'POST', url: '/api/v1/knowledge-bases', body: { name: 'New' }, hasTenantIds: false },
    { route: '/api/v1/knowledge-bases', method: 'GET', url: '/api/v1/knowledge-bases', hasTenantIds: false },
    { route: '/api/v1/knowledge-bases/:id', method: 'GET', url: `/api/v1/knowledge-bases/${kb.id}`, hasTenantIds: true },
    { route: '/api/v1/knowledge-bases/:id', method: 'PATCH', url: `/api/v1/knowledge-bases/${kb.id}`, body: { description: 'x' }, hasTenantIds: true },
    { route: '/api/v1/knowledge-bases/:id/summary', method: 'GET', url: `/api/v1/knowledge-bases/${kb.id}/summary`, hasTenantIds: true },
    { route: '/api/v1/knowledge-bases/:id/retrain', method: 'POST', url: `/api/v1/knowledge-bases/${kb.id}/retrain`, hasTenantIds: true },
    { route: '/api/v1/knowledge-bases/:id', method: 'DELETE', url: `/api/v1/knowledge-bases/${doomedKb.id}`, hasTenantIds: true },
    { route: '/api/v1/documents', method: 'POST', url: '/api/v1/documents', body: form.payload, headers: form.headers, hasTenantIds: true },
    { route: '/api/v1/documents/batch', method: 'POST', url: '/api/v1/documents/batch', body: batchForm.payload, headers: batchForm.headers, hasTenantIds: true },
    {
      route: '/api/v1/documents/from-url', method: 'POST', url: '/api/v1/documents/from-url',
      body: { knowledgeBaseId: kb.id, url: `${documentServer.origin}/policy.txt` }, hasTenantIds: true,
    },
    {
      route: '/api/v1/documents/batch-from-urls', method: 'POST', url: '/api/v1/documents/batch-from-urls',
      body: { knowledgeBaseId: kb.id, urls: [`${documentServer.origin}/other.txt`] }, hasTenantIds: true,
    },
    { route: '/api/v1/documents', method: 'GET', url: '/api/v1/documents', hasTenantIds: false },
    { route: '/api/v1/documents/:id', method: 'GET', url: `/api/v1/documents/${document}`, hasTenantIds: true },
    { route: '/api/v1/documents/:id/download', method: 'GET', url: `/api/v1/documents/${document}/download`, hasTenantIds: true },
    { route: '/api/v1/documents/:id/reprocess', method: 'POST', url: `/api/v1/documents/${document}/reprocess`, body: {}, hasTenantIds: true },
    { route: '/api/v1/documents/:id', method: 'DELETE', url: `/api/v1/documents/${doomed}`, hasTenantIds: true },
    { route: '/api/v1/documents/batch-delete', method: 'POST', url: '/api/v1/documents/batch-delete', body: { ids: [batchDoomed] }, hasTenantIds: true },
  ];
};
