// Mail as it leaves Paperboy: over SMTP to a real server (smtp-server), or into the log when no
// SMTP is configured, and the choice between them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMailer, logMailer, smtpMailer } from '../../src/digest/mailer.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

let sink: SmtpSink;
before(async () => {
  sink = await startSmtpSink();
});
after(() => sink.close());

test('smtpMailer delivers subject, plain text, sender and headers to a real SMTP server', async () => {
  const mailer = smtpMailer(sink.url, 'Paperboy <papers@example.org>');
  assert.equal(mailer.describe, `SMTP at ${new URL(sink.url).host}`);
  await mailer.send({ to: 'ana@example.org', subject: 'Sign in to Paperboy', text: 'Your link: http://x/signin', headers: { 'X-Paperboy': 'test' } });
  const mail = await sink.nextFor('ana@example.org');
  assert.equal(mail.subject, 'Sign in to Paperboy');
  assert.equal(mail.text?.trim(), 'Your link: http://x/signin');
  assert.equal(mail.from?.value[0]?.address, 'papers@example.org');
  assert.equal(mail.headers.get('x-paperboy'), 'test');
});

test('smtpMailer never shows the password from its URL', () => {
  assert.equal(smtpMailer('smtp://user:secret@mail.example.org:587', 'a@b.c').describe, 'SMTP at mail.example.org:587');
});

test('smtpMailer rejects when the server cannot be reached', async () => {
  const mailer = smtpMailer('smtp://127.0.0.1:1', 'a@example.org');
  await assert.rejects(mailer.send({ to: 'ana@example.org', subject: 's', text: 't' }));
});

test('logMailer writes the whole mail, link included, as one log entry', async () => {
  const lines: string[] = [];
  const mailer = logMailer((line) => lines.push(line));
  assert.equal(mailer.describe, 'the server log');
  await mailer.send({ to: 'ana@example.org', subject: 'Sign in to Paperboy', text: 'http://localhost:3000/signin/verify?token=abc' });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /Mail to ana@example\.org .*PAPERBOY_SMTP_URL.*Sign in to Paperboy\nhttp:\/\/localhost:3000\/signin\/verify\?token=abc/);
});

test('createMailer picks SMTP when a URL is set and the log otherwise', async () => {
  const lines: string[] = [];
  assert.equal(createMailer({ smtpUrl: '', mailFrom: 'a@example.org' }, (l) => lines.push(l)).describe, 'the server log');
  const smtp = createMailer({ smtpUrl: sink.url, mailFrom: 'a@example.org' }, (l) => lines.push(l));
  await smtp.send({ to: 'bo@example.org', subject: 'Hello', text: 'Over SMTP' });
  assert.equal((await sink.nextFor('bo@example.org')).subject, 'Hello');
  assert.deepEqual(lines, []);
});
