import { z } from 'zod';

/** One outgoing mail. `tenantId` is the tenant it is sent on behalf of (null for account-level mail). */
export const ZMailMessage = z.object({
  to: z.email(),
  subject: z.string().min(1).max(300),
  text: z.string().min(1),
  html: z.string().optional(),
  tenantId: z.uuid().nullable().optional(),
});
export type MailMessage = z.infer<typeof ZMailMessage>;

export type MailTransport = 'smtp' | 'dev';

export type SentMail = { id: string; transport: MailTransport; status: 'sent' | 'failed' | 'stored' };

/**
 * The mail port. Every message is recorded in mail_messages: delivered over SMTP when configured (the row is the
 * sent log), otherwise the row itself is the dev mailbox that tests and the operator read. `send` never throws for
 * a delivery failure (the row says `failed`): callers such as password reset must answer the same either way.
 */
export type MailPort = {
  transport: MailTransport;
  send: (message: MailMessage) => Promise<SentMail>;
  close: () => Promise<void>;
};
