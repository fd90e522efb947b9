// A digest as a MIME message, built directly: one multipart/alternative with a plain-text and an
// HTML part, both UTF-8 in base64 (Node encodes that natively). nodemailer's general composer, which
// looks at every part and header for what it might need, was a third of the cost of sending a
// 50 KB digest (351 against 495 mails/s over one connection, measured here); its SMTP transport,
// DKIM signing included, still sends what this builds.
import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord, encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import type { Mail } from './mailer.ts';

const CRLF = '\r\n';
const LINE = 76;

/** "Paperboy <papers@example.org>" as a header (a name that needs it quoted or encoded), and the bare address. */
export function parseSender(from: string): { header: string; address: string } {
  const [parsed] = addressparser(from) as { name?: string; address?: string }[];
  const address = parsed?.address ?? from.trim();
  const name = parsed?.name ?? '';
  if (!name) return { header: address, address };
  const shown = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodeWord(name, 'B', 52);
  return { header: `${shown} <${address}>`, address };
}

function header(name: string, value: string): string {
  return foldLines(`${name}: ${value}`, LINE);
}

function base64Lines(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += LINE) lines.push(encoded.slice(i, i + LINE));
  return lines.join(CRLF);
}

/**
 * The whole message. Header values are ours (the subject already has no control characters, the
 * address was checked when subscribing), so only the subject and the sender's name need encoding.
 */
export function mimeMessage(mail: Mail & { html: string }, from: string, date = new Date()): Buffer {
  const boundary = `----paperboy-${randomBytes(12).toString('hex')}`;
  const lines = [
    header('From', parseSender(from).header),
    header('To', mail.to),
    header('Subject', encodeWords(mail.subject, 'B', 52)),
    header('Date', date.toUTCString().replace(/GMT$/, '+0000')),
    ...(mail.messageId ? [header('Message-ID', mail.messageId)] : []),
    ...Object.entries(mail.headers ?? {}).map(([name, value]) => header(name, value)),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(mail.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(mail.html),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}
