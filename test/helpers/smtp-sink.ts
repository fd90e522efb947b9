// A real SMTP server on 127.0.0.1 that keeps every message it receives, parsed, so tests read
// sign-in links out of real mail exactly as a person's mail client would get them.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  /** smtp://127.0.0.1:PORT, for PAPERBOY_SMTP_URL or smtpMailer. */
  url: string;
  messages: ParsedMail[];
  /** The message exactly as it arrived (headers and body), for checks that need the bytes, such as DKIM. */
  source(mail: ParsedMail): Buffer;
  /** Answers RCPT TO for an address with an SMTP error from now on (550: no such user, 450: try later); undefined accepts it again. */
  reject(address: string, answer?: { code: number; message: string }): void;
  /** Resolves with the next message to arrive for an address (or one already there and not yet taken). */
  nextFor(address: string, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

/** A header's value exactly as it was sent (mailparser turns some, such as List-*, into objects). */
export function rawHeader(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase());
  return line?.line.slice(line.line.indexOf(':') + 1).trim();
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const sources = new Map<ParsedMail, Buffer>();
  const taken = new Set<ParsedMail>();
  const waiters: (() => void)[] = [];
  const rejected = new Map<string, { code: number; message: string }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const answer = rejected.get(address.address.toLowerCase());
      if (!answer) return callback();
      return callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        void simpleParser(raw)
          .then((mail) => {
            sources.set(mail, raw);
            messages.push(mail);
            for (const wake of waiters.splice(0)) wake();
            callback();
          })
          .catch(callback);
      });
    },
  });
  // A client killed mid-conversation resets its connection; a real server shrugs that off too.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  const addressed = (mail: ParsedMail, address: string) => {
    const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
    return to.some((t) => t.value.some((v) => v.address?.toLowerCase() === address.toLowerCase()));
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    source: (mail) => sources.get(mail)!,
    reject(address, answer) {
      if (answer) rejected.set(address.toLowerCase(), answer);
      else rejected.delete(address.toLowerCase());
    },
    async nextFor(address, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mail = messages.find((m) => !taken.has(m) && addressed(m, address));
        if (mail) {
          taken.add(mail);
          return mail;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`No mail for ${address} within ${timeoutMs} ms (${messages.length} received in all)`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
