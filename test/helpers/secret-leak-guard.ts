import { createHash } from 'node:crypto';

import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { queryRows, type Db } from '../../src/db/client.js';

const HEX_DIGEST = /\b[0-9a-f]{64}\b/g;
const API_KEY_SECRET = /\bsb_[A-Za-z0-9_-]{20,}/g;

/** Every column that stores a token's digest; a response naming one of these values leaks a credential's hash. */
const STORED_DIGESTS = sql`
  select token_hash as digest from refresh_tokens
  union all select token_hash from user_tokens
  union all select token_hash from invitations
  union all select key_hash from api_keys
  union all select state_hash from oauth_states`;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const findLeaks = async (db: Db, body: string, requestStartedAt: Date): Promise<string[]> => {
  const leaks: string[] = [];
  if (body.includes('$argon2')) leaks.push('an argon2 password hash');
  const digests = [...new Set(body.match(HEX_DIGEST) ?? [])];
  if (digests.length > 0) {
    const rows = await queryRows<{ digest: string }>(db, sql`select digest from (${STORED_DIGESTS}) s where digest in (${sql.join(digests.map((digest) => sql`${digest}`), sql`, `)})`);
    if (rows.length > 0) leaks.push(`${rows.length} stored token hash(es)`);
  }
  const secrets = [...new Set(body.match(API_KEY_SECRET) ?? [])];
  if (secrets.length > 0) {
    // A secret may appear in the response of the request that created it, and never again.
    const rows = await queryRows<{ id: string }>(
      db,
      sql`select id from api_keys where key_hash in (${sql.join(secrets.map((secret) => sql`${sha256(secret)}`), sql`, `)}) and created_at < ${requestStartedAt.toISOString()}::timestamptz`,
    );
    if (rows.length > 0) leaks.push(`${rows.length} API key secret(s) after their creation response`);
  }
  return leaks;
};

/**
 * Scans every response body of the test app: an argon2 hash, a stored token digest, or an API key secret outside
 * its creation response turns the response into a 500 naming the leak (so the test at hand fails) and is kept in
 * `leaks`, which `close()` of the test app reports (so the suite fails even if the test ignored the status).
 */
export const installSecretLeakGuard = (app: FastifyInstance, db: Db) => {
  const leaks: string[] = [];
  const startedAt = new WeakMap<FastifyRequest, Date>();
  app.addHook('onRequest', async (req) => {
    // A little slack: PostgreSQL's now() and this process's clock may differ by a few milliseconds.
    startedAt.set(req, new Date(Date.now() - 50));
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const found = await findLeaks(db, payload.toString(), startedAt.get(req) ?? new Date(0));
    if (found.length === 0) return payload;
    const message = `secret leak guard: ${req.method} ${req.url} responded with ${found.join(', ')}`;
    leaks.push(message);
    reply.code(500).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({ success: false, error: { code: 'INTERNAL_ERROR', message }, requestId: req.id, timestamp: new Date().toISOString() });
  });
  return { leaks };
};
