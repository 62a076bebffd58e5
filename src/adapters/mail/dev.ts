import type { Executor } from '../../db/client.js';
import { createMailLogRepo } from './mail-log.repo.js';
import { ZMailMessage, type MailPort } from './port.js';

/** No SMTP configured: the message is only stored, and mail_messages is the mailbox (see docs/auth.md). */
export const createDevMailbox = (deps: { db: Executor }): MailPort => {
  const repo = createMailLogRepo(deps.db);
  return {
    transport: 'dev',
    send: async (message) => ({ id: await repo.insert(ZMailMessage.parse(message), 'dev', 'stored'), transport: 'dev', status: 'stored' }),
    close: async () => {},
  };
};
