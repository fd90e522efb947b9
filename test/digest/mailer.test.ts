// Mail as it leaves Paperboy: over SMTP to a real server (smtp-server), or into the log when no
// SMTP is configured, and the choice between them.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { classifyMailError, createMailer, logMailer, MailError, smtpMailer } from '../../src/digest/mailer.ts';
import { parseSender } from '../../src/digest/mime.ts';
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

describe('failures say what kind they are, so the digest sender knows what to do', () => {
  const mail = (to: string) => ({ to, subject: 'Digest', text: 'Papers' });

  test('a 5xx to RCPT TO is a bounce, a 4xx is temporary', async () => {
    const mailer = smtpMailer(sink.url, 'Paperboy <papers@example.org>');
    sink.reject('gone@example.org', { code: 550, message: '5.1.1 No such user' });
    sink.reject('busy@example.org', { code: 451, message: '4.3.0 Try again later' });
    const bounce = await mailer.send(mail('gone@example.org')).catch((e: unknown) => e);
    assert.ok(bounce instanceof MailError);
    assert.equal(bounce.failure, 'bounced');
    assert.equal(bounce.responseCode, 550);
    assert.match(bounce.message, /No such user/);
    const later = await mailer.send(mail('busy@example.org')).catch((e: unknown) => e);
    assert.ok(later instanceof MailError);
    assert.equal(later.failure, 'temporary');
    assert.equal(later.responseCode, 451);
    sink.reject('busy@example.org');
    await mailer.send(mail('busy@example.org'));
    assert.equal((await sink.nextFor('busy@example.org')).subject, 'Digest');
    sink.reject('gone@example.org');
  });

  test('no server is unreachable: stop and come back later', async () => {
    const error = await smtpMailer('smtp://127.0.0.1:1', 'a@example.org').send(mail('ana@example.org')).catch((e: unknown) => e);
    assert.ok(error instanceof MailError);
    assert.equal(error.failure, 'unreachable');
  });

  test('classifyMailError on the shapes nodemailer reports', () => {
    const of = (fields: object) => classifyMailError(Object.assign(new Error('x'), fields)).failure;
    assert.equal(of({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }), 'bounced');
    assert.equal(of({ code: 'EMESSAGE', responseCode: 554, command: 'DATA' }), 'refused');
    assert.equal(of({ code: 'EENVELOPE', responseCode: 452, command: 'RCPT TO' }), 'temporary');
    assert.equal(of({ code: 'EPROTOCOL', responseCode: 421 }), 'unreachable');
    assert.equal(of({ code: 'EAUTH', responseCode: 535 }), 'unreachable');
    assert.equal(of({ code: 'ESOCKET' }), 'unreachable');
    assert.equal(of({ code: 'EENVELOPE' }), 'refused');
  });

  test('a pooled mailer keeps one connection and sends the Message-ID it is given', async () => {
    const mailer = smtpMailer(sink.url, 'Paperboy <papers@example.org>', { pool: {} });
    for (const n of [1, 2, 3]) await mailer.send({ ...mail('pool@example.org'), messageId: `<digest-${n}@hub.example>` });
    const ids = [];
    for (let n = 0; n < 3; n++) ids.push((await sink.nextFor('pool@example.org')).messageId);
    assert.deepEqual(ids.sort(), ['<digest-1@hub.example>', '<digest-2@hub.example>', '<digest-3@hub.example>']);
    mailer.close();
  });
});

// Digests go through the pooled mailer as messages mime.ts builds; sign-in mail goes through
// nodemailer's own composer. Both must verify.
for (const pooled of [false, true]) test(`with a DKIM key, every mail is signed over its list headers, and the signature verifies against the public key (${pooled ? 'pooled, built by mime.ts' : 'one connection per mail'})`, async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const to = `dkim-${pooled ? 'pooled' : 'single'}@example.org`;
  const mailer = smtpMailer(sink.url, 'Paperboy <papers@example.org>', {
    dkim: { domainName: 'example.org', keySelector: 'paperboy', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    ...(pooled ? { pool: {} } : {}),
  });
  await mailer.send({
    to,
    subject: 'Trending today: 3 papers',
    text: 'Papers',
    html: '<p>Papers</p>',
    messageId: '<digest-1-2026-12-07@example.org>',
    headers: { 'List-Unsubscribe': '<https://papers.example.org/unsubscribe/1.x>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  });
  const raw = sink.source(await sink.nextFor(to));
  mailer.close();
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver = async (name: string) => {
    assert.equal(name, 'paperboy._domainkey.example.org');
    return [[record]];
  };
  const verified = await dkimVerify(raw, { resolver: resolver as never });
  const [result] = verified.results;
  assert.equal(result?.status.result, 'pass', JSON.stringify(result?.status));
  assert.equal(result?.signingDomain, 'example.org');
  // RFC 8058: the signature must cover both list headers, so they cannot be added or changed on the way.
  const signed = String((result as { signingHeaders?: { keys?: string } }).signingHeaders?.keys ?? '').toLowerCase().split(/[:\s]+/);
  for (const h of ['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']) assert.ok(signed.includes(h), `${h} is signed (${signed.join(' ')})`);
  // And a tampered copy fails.
  const tampered = Buffer.from(raw.toString('utf8').replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: List-Unsubscribe=Two-Clicks'));
  assert.notEqual((await dkimVerify(tampered, { resolver: resolver as never })).results[0]?.status.result, 'pass');
});

test('a pooled mail with HTML, built by mime.ts, arrives as multipart/alternative with both parts, encoded names and the headers as written', async () => {
  const mailer = smtpMailer(sink.url, 'Paperboy Ünï <papers@example.org>', { pool: {} });
  const html = `<p>Grüße, ${'long line of the digest '.repeat(20)}</p>`;
  const text = `Grüße\n${'a plain line '.repeat(20)}\n\n— Paperboy`;
  await mailer.send({
    to: 'mime@example.org',
    subject: 'Trending today: “Attention” and 9 more — ünïcode',
    text,
    html,
    messageId: '<digest-7-2026-12-07@hub.example>',
    headers: { 'List-Id': 'Paperboy trending <trending.hub.example>', 'List-Unsubscribe': `<https://hub.example/unsubscribe/7.${'x'.repeat(80)}>`, 'Auto-Submitted': 'auto-generated' },
  });
  const got = await sink.nextFor('mime@example.org');
  mailer.close();
  assert.equal(got.subject, 'Trending today: “Attention” and 9 more — ünïcode');
  assert.equal(got.from?.value[0]?.address, 'papers@example.org');
  assert.equal(got.from?.value[0]?.name, 'Paperboy Ünï');
  assert.equal(got.messageId, '<digest-7-2026-12-07@hub.example>');
  assert.equal(got.html, html);
  assert.equal(got.text, text);
  const raw = sink.source(got).toString('utf8');
  assert.match(raw, /^List-Id: Paperboy trending <trending\.hub\.example>\r$/m);
  assert.match(raw, /^Auto-Submitted: auto-generated\r$/m);
  assert.match(raw, /^Content-Type: multipart\/alternative; boundary="/m);
  assert.match(raw, new RegExp(`List-Unsubscribe:(\\r\\n)? <https://hub.example/unsubscribe/7\\.${'x'.repeat(80)}>`), 'a long URL header is kept whole (folded only at spaces)');
  for (const line of raw.split('\r\n')) assert.ok(line.length <= 998, `no line over RFC 5322's limit (${line.length})`);
  assert.ok(/^[\x00-\x7f]*$/.test(raw), 'the message is 7-bit: names and subject encoded, bodies base64');
});

test('parseSender quotes an ASCII name that needs it and encodes one that is not ASCII', () => {
  assert.deepEqual(parseSender('papers@example.org'), { header: 'papers@example.org', address: 'papers@example.org' });
  assert.deepEqual(parseSender('Paperboy <papers@example.org>'), { header: '"Paperboy" <papers@example.org>', address: 'papers@example.org' });
  assert.equal(parseSender('"The \\"hub\\", Lab" <p@example.org>').header, '"The \\"hub\\", Lab" <p@example.org>');
  assert.equal(parseSender('Ünï Lab <p@example.org>').header, '=?UTF-8?B?w5xuw68gTGFi?= <p@example.org>');
});
