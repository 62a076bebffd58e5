import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

import type { Config } from '../../config/env.js';
import type { Executor } from '../../db/client.js';
import { createMailLogRepo } from './mail-log.repo.js';
import { ZMailMessage, type MailPort } from './port.js';

type SmtpConfig = NonNullable<Config['mail']['smtp']>;

const transportOptions = (smtp: SmtpConfig) =>
  smtp.url
    ? smtp.url
    : {
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
      };

/**
 * Delivers over SMTP (nodemailer) and keeps a row per message as the sent log. A failed
 * delivery is recorded and logged by message id only: neither the body (it may hold a one-time link) nor the SMTP
 * credentials reach the log.
 */
export const createSmtpMailer = (deps: { db: Executor; smtp: SmtpConfig; from: string; logger: Logger }): MailPort => {
  const repo = createMailLogRepo(deps.db);
  const transporter = nodemailer.createTransport(transportOptions(deps.smtp) as Parameters<typeof nodemailer.createTransport>[0], {
    from: deps.from,
  });
  return {
    transport: 'smtp',
    send: async (input) => {
      const message = ZMailMessage.parse(input);
      const id = await repo.insert(message, 'smtp', 'queued');
      try {
        await transporter.sendMail({ to: message.to, subject: message.subject, text: message.text, html: message.html });
        await repo.markSent(id);
        return { id, transport: 'smtp', status: 'sent' };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await repo.markFailed(id, reason.slice(0, 500));
        deps.logger.warn({ mailId: id, reason }, 'mail delivery failed');
        return { id, transport: 'smtp', status: 'failed' };
      }
    },
    close: async () => {
      transporter.close();
    },
  };
};
