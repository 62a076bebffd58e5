import { eq, sql } from 'drizzle-orm';

import type { Executor } from '../../db/client.js';
import { mailMessages } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import type { MailMessage, MailTransport } from './port.js';

export type MailRow = typeof mailMessages.$inferSelect;

/** mail_messages is platform-level (account mail has no tenant); only the mail adapters write it. */
export const createMailLogRepo = (db: Executor) => ({
  insert: async (message: MailMessage, transport: MailTransport, status: MailRow['status']) =>
    (
      await db
        .insert(mailMessages)
        .values({
          id: newId(),
          tenantId: message.tenantId ?? null,
          toAddress: message.to,
          subject: message.subject,
          textBody: message.text,
          htmlBody: message.html ?? null,
          transport,
          status,
          sentAt: status === 'stored' ? sql`now()` : null,
        })
        .returning({ id: mailMessages.id })
    )[0]!.id,

  markSent: async (id: string) => {
    await db.update(mailMessages).set({ status: 'sent', sentAt: sql`now()` }).where(eq(mailMessages.id, id));
  },

  markFailed: async (id: string, error: string) => {
    await db.update(mailMessages).set({ status: 'failed', error }).where(eq(mailMessages.id, id));
  },
});
