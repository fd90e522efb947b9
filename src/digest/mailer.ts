// Sending mail: over SMTP (nodemailer) when PAPERBOY_SMTP_URL is set; otherwise each mail is
// written to the server log, so a hub with no mail server still lets its people sign in. A failed
// send says what kind of failure it was, because the digest sender treats them differently: try
// again later, pause the address, give the mail up, or stop until the server is back.
import nodemailer from 'nodemailer';
import { mimeMessage, parseSender } from './mime.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  /** <…@host>: the same on every attempt of the same mail. */
  messageId?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  /** "SMTP at mail.example.org:587" or "the server log", for start-up lines and pages. */
  readonly describe: string;
  /** Ends pooled connections. */
  close(): void;
}

/**
 * temporary: a 4xx, try again later. bounced: a 5xx to RCPT TO, the address does not exist.
 * refused: another 5xx, this mail will never be taken. unreachable: no usable server (refused
 * connection, timeout, bad credentials, 421): stop sending until it is back.
 */
export type MailFailure = 'temporary' | 'bounced' | 'refused' | 'unreachable';

export class MailError extends Error {
  constructor(readonly failure: MailFailure, message: string, readonly responseCode?: number) {
    super(message);
  }
}

/** What nodemailer's errors carry (smtp-connection sets these). */
interface SmtpErrorFields {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/** A nodemailer error as a MailError with the server's answer (or the socket's complaint) as its message. */
export function classifyMailError(error: unknown): MailError {
  const e = error as Error & SmtpErrorFields;
  const code = e.responseCode;
  const message = (e.response ?? e.message ?? String(error)).replace(/\s+/g, ' ').trim().slice(0, 300);
  if (code === undefined || code === 421 || e.code === 'EAUTH') return new MailError(e.code === 'EENVELOPE' ? 'refused' : 'unreachable', message, code);
  if (code >= 400 && code < 500) return new MailError('temporary', message, code);
  if (code >= 500 && (e.code === 'EENVELOPE' || /^RCPT/i.test(e.command ?? ''))) return new MailError('bounced', message, code);
  return new MailError(code >= 500 ? 'refused' : 'unreachable', message, code);
}

/** The embedded default: every mail becomes one log entry (sign-in links included, by design). */
/** How logMailer describes itself: pages that say "check your inbox" look for it. */
export const SERVER_LOG = 'the server log';

export function logMailer(log: (line: string) => void): Mailer {
  return {
    describe: SERVER_LOG,
    async send(mail) {
      log(`Mail to ${mail.to} (no SMTP configured; set PAPERBOY_SMTP_URL to send it): ${mail.subject}\n${mail.text}`);
    },
    close() {},
  };
}

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  /** PEM. */
  privateKey: string;
}

/**
 * nodemailer's own list, plus List-Unsubscribe-Post: RFC 8058 asks that the signature cover both
 * unsubscribe headers, or providers will not offer one-click unsubscribe.
 */
const DKIM_SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding',
  'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'Auto-Submitted',
].join(':');

export interface SmtpOptions {
  /**
   * Keep connections open between mails (for digests), this many (default 1); each sends one mail
   * at a time. Mails with HTML are built by mime.ts rather than by nodemailer's composer.
   */
  pool?: { connections?: number };
  dkim?: DkimSettings;
}

/** Mail over SMTP; `url` is nodemailer's (smtp://user:pass@host:587, smtps://… for implicit TLS). */
export function smtpMailer(url: string, from: string, options: SmtpOptions = {}): Mailer {
  const transport = nodemailer.createTransport({
    url,
    ...(options.pool ? { pool: true, maxConnections: options.pool.connections ?? 1, maxMessages: Infinity } : {}),
    ...(options.dkim ? { dkim: { ...options.dkim, headerFieldNames: DKIM_SIGNED_HEADERS } } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const { host } = new URL(url);
  const sender = parseSender(from).address;
  return {
    // Host and port only: the URL may carry a password, and this line goes to logs and pages.
    describe: `SMTP at ${host}`,
    async send(mail) {
      try {
        // Our headers are ASCII we wrote ourselves: sent as they are, not MIME-encoded, so List-Id
        // and List-Unsubscribe reach mail providers in the form RFC 2919 and RFC 8058 describe.
        if (options.pool && mail.html !== undefined) {
          await transport.sendMail({ envelope: { from: sender, to: [mail.to] }, raw: mimeMessage({ ...mail, html: mail.html }, from) });
        } else {
          const headers = Object.fromEntries(Object.entries(mail.headers ?? {}).map(([name, value]) => [name, { prepared: true, value }]));
          await transport.sendMail({ from, ...mail, headers });
        }
      } catch (error) {
        throw classifyMailError(error);
      }
    },
    close() {
      transport.close();
    },
  };
}

/** SMTP when a URL is configured, the server log otherwise. */
export function createMailer(settings: { smtpUrl: string; mailFrom: string; dkim?: DkimSettings }, log: (line: string) => void, options: Pick<SmtpOptions, 'pool'> = {}): Mailer {
  return settings.smtpUrl ? smtpMailer(settings.smtpUrl, settings.mailFrom, { ...options, dkim: settings.dkim }) : logMailer(log);
}
