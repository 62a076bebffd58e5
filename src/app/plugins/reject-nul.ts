import type { FastifyInstance } from 'fastify';

import { AppError } from '../../lib/errors.js';

/** Whether a parsed value holds U+0000 in any string or object key, at any depth (iterative: bodies may nest deeply). */
export const holdsNul = (root: unknown): boolean => {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      // One by one: spreading an array of a few hundred thousand values (a body under the limit) overflows the stack.
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(item);
      }
    }
  }
  return false;
};

/**
 * PostgreSQL text and jsonb cannot hold U+0000, so a string carrying one would fail in SQL as a server error, on
 * whichever statement first stored or compared it. It is refused before validation instead, as the client's error.
 */
export const registerRejectNul = (app: FastifyInstance) => {
  app.addHook('preValidation', async (req) => {
    if (holdsNul(req.params) || holdsNul(req.query) || holdsNul(req.body)) {
      throw new AppError('VALIDATION_ERROR', 'Text must not contain the NUL character (U+0000)');
    }
  });
};
