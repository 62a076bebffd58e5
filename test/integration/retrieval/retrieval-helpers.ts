import type { TestApp } from '../../helpers/build-test-app.js';
import type { TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, runJobs, upload } from '../knowledge/knowledge-helpers.js';

/** A small help-centre corpus: each document answers one kind of customer question. */
export const HELP_CENTRE: Record<string, string> = {
  'refunds.md': '# Refund policy\n\nYou can ask for a refund within 30 days of purchase. Refunds are paid back to the original card within five business days.',
  'shipping.md': '# Shipping\n\nOrders ship from our warehouse in Lyon. Standard delivery takes three to five days; express delivery arrives the next day.',
  'passwords.md': '# Resetting your password\n\nClick "Forgot password" on the sign-in page and follow the link we email you. The link expires after one hour.',
  'hours.md': '# Opening hours\n\nOur support team answers Monday to Friday, 9:00 to 18:00 Paris time. We are closed on public holidays.',
  'warranty.md': '# Warranty\n\nEvery device has a two-year warranty covering manufacturing defects. Accidental damage is not covered.',
  'api.md': '# API keys\n\nCreate an API key in the dashboard under Settings. Keep the key secret; you can revoke it at any time.',
};

/** A knowledge base holding `files`, ingested through the real upload route and pipeline jobs. */
export const seedKnowledgeBase = async (t: TestApp, tenant: TestTenant, files: Record<string, string> = HELP_CENTRE) => {
  const kb = await createKnowledgeBase(t, tenant);
  const documentIds: Record<string, string> = {};
  for (const [filename, text] of Object.entries(files)) {
    const response = await upload(t, tenant, kb.id, { filename, content: Buffer.from(text), type: 'text/markdown' });
    if (response.statusCode >= 300) throw new Error(`upload of ${filename} failed: ${response.body}`);
    documentIds[filename] = response.json().data.id as string;
  }
  await runJobs(t);
  return { kb, documentIds };
};

export type SearchHit = { chunkId: string; documentId: string; knowledgeBaseId: string; documentTitle: string; snippet: string; score: number; content: string };

export const searchKb = async (t: TestApp, tenant: TestTenant, kbId: string, body: Record<string, unknown>) => {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/knowledge-bases/${kbId}/search`, headers: tenant.headers, payload: body });
  return { status: response.statusCode, body: response.json(), hits: (response.json().data?.results ?? []) as SearchHit[], mode: response.json().data?.mode as string };
};
