import type { AddressInfo } from 'node:net';

import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { AUTH_TEST_ENV, lastMail, register } from './auth-helpers.js';

type Received = { from: string; to: string[]; user?: string; raw: string };

/** A real SMTP server on a local port (smtp-server): mail travels over the SMTP protocol, with AUTH PLAIN/LOGIN. */
const startSmtpServer = async () => {
  const received: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) =>
      auth.username === 'mailer' && auth.password === 's3cret' ? callback(null, { user: auth.username }) : callback(new Error('Invalid username or password')),
    onRcptTo: (address, _session, callback) =>
      address.address.endsWith('@bounce.test') ? callback(new Error('Mailbox unavailable')) : callback(),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: session.user as string | undefined,
          // Undo quoted-printable soft line breaks so assertions can look for whole lines.
          raw: Buffer.concat(chunks).toString('utf8').replace(/=\r?\n/g, ''),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

describe('mail over SMTP (nodemailer) when SMTP_URL is set', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ env: { ...AUTH_TEST_ENV, SMTP_URL: `smtp://mailer:s3cret@127.0.0.1:${smtp.port}`, MAIL_FROM: 'Switchboard <auth@switchboard.test>' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('delivers the verification mail over SMTP with authentication and records it as sent', async () => {
    expect(t.container.mail.transport).toBe('smtp');
    const session = await register(t);
    const delivered = smtp.received.find((mail) => mail.to.includes(session.user.email));
    expect(delivered).toMatchObject({ from: 'auth@switchboard.test', user: 'mailer' });
    expect(delivered!.raw).toContain('Subject: Confirm your e-mail address');
    expect(delivered!.raw).toContain(`/api/v1/auth/email/verify/${session.user.id}/`);

    const record = await lastMail(t, session.user.email);
    expect(record).toMatchObject({ transport: 'smtp', status: 'sent', error: null });
    expect(record.sentAt).toBeInstanceOf(Date);
  });

  it('records a refused delivery as failed without failing the request that caused it', async () => {
    const session = await register(t, { email: `nobody-${Date.now()}@bounce.test` });
    const record = await lastMail(t, session.user.email);
    expect(record).toMatchObject({ transport: 'smtp', status: 'failed' });
    expect(record.error).toContain('Mailbox unavailable');
  });

  it('B and other modules send through the same port', async () => {
    const sent = await t.container.mail.send({ to: 'invitee@example.test', subject: 'You are invited', text: 'Join us' });
    expect(sent).toMatchObject({ transport: 'smtp', status: 'sent' });
    expect(smtp.received.at(-1)!.to).toEqual(['invitee@example.test']);
  });
});

describe('mail over SMTP configured with SMTP_HOST, SMTP_PORT, SMTP_USER and SMTP_PASS', () => {
  it('delivers with the separate settings too', async () => {
    const smtp = await startSmtpServer();
    const t = await createTestApp({ env: { ...AUTH_TEST_ENV, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_USER: 'mailer', SMTP_PASS: 's3cret' } });
    try {
      const sent = await t.container.mail.send({ to: 'host-config@example.test', subject: 'Hello', text: 'Over SMTP_HOST' });
      expect(sent).toMatchObject({ transport: 'smtp', status: 'sent' });
      expect(smtp.received.at(-1)).toMatchObject({ to: ['host-config@example.test'], user: 'mailer' });
    } finally {
      await t.close();
      await smtp.close();
    }
  });

  it('records wrong credentials as a failed delivery', async () => {
    const smtp = await startSmtpServer();
    const t = await createTestApp({ env: { ...AUTH_TEST_ENV, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_USER: 'mailer', SMTP_PASS: 'wrong' } });
    try {
      const sent = await t.container.mail.send({ to: 'nobody@example.test', subject: 'Hello', text: 'Refused' });
      expect(sent).toMatchObject({ transport: 'smtp', status: 'failed' });
      expect(smtp.received).toEqual([]);
    } finally {
      await t.close();
      await smtp.close();
    }
  });
});
