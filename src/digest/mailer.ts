// Sending mail: over SMTP (nodemailer) when PAPERBOY_SMTP_URL is set; otherwise each mail is
// written to the server log, so a hub with no mail server still lets its people sign in.
import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  /** "SMTP at mail.example.org:587" or "the server log", for start-up lines and pages. */
  readonly describe: string;
}

/** The embedded default: every mail becomes one log line (sign-in links included, by design). */
export function logMailer(log: (line: string) => void): Mailer {
  return {
    describe: 'the server log',
    async send(mail) {
      log(`Mail to ${mail.to} (no SMTP configured; set PAPERBOY_SMTP_URL to send it): ${mail.subject}\n${mail.text}`);
    },
  };
}

/** Mail over SMTP; `url` is nodemailer's (smtp://user:pass@host:587, smtps://… for implicit TLS). */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  const { host } = new URL(url);
  return {
    // Host and port only: the URL may carry a password, and this line goes to logs and pages.
    describe: `SMTP at ${host}`,
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
  };
}

/** SMTP when a URL is configured, the server log otherwise. */
export function createMailer(settings: { smtpUrl: string; mailFrom: string }, log: (line: string) => void): Mailer {
  return settings.smtpUrl ? smtpMailer(settings.smtpUrl, settings.mailFrom) : logMailer(log);
}
