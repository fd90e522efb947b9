// Sending: every queued edition is rendered from its stored content and handed to the SMTP server,
// one at a time, and leaves the queue only once the server has accepted it. A process killed between
// the server's acceptance and that update sends the mail again on its next run, with the same
// Message-ID: at most one duplicate per kill (one mail is in flight at a time), and nothing skipped.
// A 4xx is retried with backoff, a 5xx to RCPT TO pauses the address, a dead server stops the run.
import type { Store } from '../store/store.ts';
import type { QueuedMail, Subscription } from '../store/subscriptions.ts';
import { randomBytes } from 'node:crypto';
import type { DigestContent, DigestEnvelope, RenderedDigest } from './content.ts';
import { describeSubscription } from './describe.ts';
import { feedbackPath, managePath, unsubscribePath, type LinkSigner } from './links.ts';
import { MailError, type Mail, type Mailer } from './mailer.ts';
import { renderDigest } from './render.ts';

const BATCH = 200;
/** Backoff after a temporary failure: 5 minutes, doubling, at most 6 hours between tries. */
const FIRST_RETRY_MS = 5 * 60_000;
const LONGEST_RETRY_MS = 6 * 3_600_000;
/** After this many temporary failures (about a day and a half of trying) a mail is given up. */
export const MAX_ATTEMPTS = 10;

export interface SendContext {
  store: Store;
  mailer: Mailer;
  signer: LinkSigner;
  siteName: string;
  /** http(s)://host[:port] people open the hub at. */
  baseUrl: string;
  /** Mails in flight at once (one per SMTP connection); a kill can duplicate at most this many. Default 1. */
  concurrency?: number;
}

export interface SendReport {
  sent: number;
  /** Temporary failures, to be tried again later. */
  retrying: number;
  /** Addresses that do not exist: their subscriptions are paused. */
  bounced: number;
  /** Given up: refused for good, or too many temporary failures. */
  failed: number;
  /** Why sending stopped before the queue was empty (the SMTP server could not be reached). */
  stopped?: string;
  seconds: number;
}

export interface SendOptions {
  now?: () => Date;
  progress?: (done: number) => void;
  afterBatch?: () => Promise<void>;
  log?: (line: string) => void;
}

/** The host name of the hub's address: Message-IDs and List-Ids are named after it. */
export function mailHost(baseUrl: string): string {
  return new URL(baseUrl).hostname || 'localhost';
}

export function retryDelay(attempts: number): number {
  return Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts));
}

export async function sendQueued(ctx: SendContext, options: SendOptions = {}): Promise<SendReport> {
  const now = options.now ?? (() => new Date());
  const report: SendReport = { sent: 0, retrying: 0, bounced: 0, failed: 0, seconds: 0 };
  const started = performance.now();
  const names = new Map<number, string | undefined>();
  const mailOf = digestMailer(ctx);
  // A bounce pauses every subscription of the address; the rest of its batch is cancelled by the next look at the queue.
  const bounced = new Set<number>();
  for (;;) {
    const batch = await ctx.store.subscriptions.queued(now().toISOString(), BATCH);
    if (batch.length === 0) break;
    let next = 0;
    const worker = async () => {
      while (next < batch.length && !report.stopped) {
        const queued = batch[next++]!;
        if (bounced.has(queued.subscription.subscriber.key)) continue;
        const outcome = await sendOne(ctx, mailOf, queued, await collectionName(ctx.store, queued.subscription, names), now);
        if (typeof outcome === 'object') {
          report.stopped = `the SMTP server could not be reached (${outcome.unreachable}); the rest waits for the next run`;
          return;
        }
        if (outcome === 'bounced') bounced.add(queued.subscription.subscriber.key);
        report[outcome]++;
        options.progress?.(report.sent + report.retrying + report.bounced + report.failed);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, ctx.concurrency ?? 1) }, worker));
    if (report.stopped) break;
    await options.afterBatch?.();
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

type Outcome = 'sent' | 'retrying' | 'bounced' | 'failed' | { unreachable: string };

async function sendOne(ctx: SendContext, mailOf: DigestMailer, queued: QueuedMail, collection: string | undefined, now: () => Date): Promise<Outcome> {
  const { subscription: s, edition } = queued;
  const outbox = ctx.store.subscriptions;
  let mail: Mail;
  try {
    mail = mailOf(queued, collection);
  } catch (error) {
    // A content this code cannot render would fail at every try: give it up, saying why.
    await outbox.markFailed(s.key, edition, `could not be rendered: ${(error as Error).message}`, now().toISOString());
    return 'failed';
  }
  try {
    await ctx.mailer.send(mail);
  } catch (error) {
    const e = error instanceof MailError ? error : new MailError('unreachable', (error as Error).message);
    // Servers' answers begin with their code already ("451 4.7.1 Greylisted").
    const detail = e.responseCode && !e.message.startsWith(String(e.responseCode)) ? `${e.responseCode} ${e.message}` : e.message;
    switch (e.failure) {
      case 'unreachable':
        return { unreachable: detail };
      case 'bounced':
        await outbox.markBounced(s.key, edition, detail, now().toISOString());
        return 'bounced';
      case 'refused':
        await outbox.markFailed(s.key, edition, detail, now().toISOString());
        return 'failed';
      case 'temporary':
        if (queued.attempts + 1 >= MAX_ATTEMPTS) {
          await outbox.markFailed(s.key, edition, `gave up after ${MAX_ATTEMPTS} tries: ${detail}`, now().toISOString());
          return 'failed';
        }
        await outbox.markRetry(s.key, edition, detail, new Date(now().getTime() + retryDelay(queued.attempts)).toISOString());
        return 'retrying';
    }
  }
  await outbox.markSent(s.key, edition, now().toISOString());
  return 'sent';
}

/** A collection's name for the mail's footer, looked up once per run. */
async function collectionName(store: Store, s: Subscription, names: Map<number, string | undefined>): Promise<string | undefined> {
  if (s.kind !== 'collection') return undefined;
  if (!names.has(s.key)) names.set(s.key, (await store.community.collection(Number(s.target)))?.name);
  return names.get(s.key);
}

interface Tokens {
  manage: string;
  unsubscribe: string;
  feedback: string;
}

/** The links and words around a digest that are this subscriber's own. */
function envelopeOf(ctx: Pick<SendContext, 'siteName' | 'baseUrl'>, describe: string, tokens: Tokens): DigestEnvelope {
  return {
    siteName: ctx.siteName,
    baseUrl: ctx.baseUrl,
    describe,
    manageUrl: ctx.baseUrl + managePath(tokens.manage),
    unsubscribeUrl: ctx.baseUrl + unsubscribePath(tokens.unsubscribe),
    feedbackUrl: (paperId, verdict) => ctx.baseUrl + feedbackPath(tokens.feedback, paperId, verdict),
  };
}

function tokensOf(signer: LinkSigner, s: Subscription): Tokens {
  return { manage: signer.token('manage', s.subscriber.key), unsubscribe: signer.token('unsubscribe', s.key), feedback: signer.token('feedback', s.key) };
}

export type DigestMailer = (queued: Pick<QueuedMail, 'subscription' | 'recipient' | 'messageId' | 'content'>, collection?: string) => Mail;

/** Distinct editions rendered at a time; subscribers of the same edition share one rendering. */
const RENDERINGS = 500;

/**
 * Mails from queued editions. Thousands of subscribers get the same edition, differing only in
 * their signed links: each edition is rendered once with stand-ins for the links' tokens (random,
 * of characters that HTML and URLs leave as they are), and each mail fills in its own.
 */
export function digestMailer(ctx: Pick<SendContext, 'signer' | 'siteName' | 'baseUrl'>): DigestMailer {
  const standIn = randomBytes(12).toString('hex');
  const marks: Tokens = { manage: `m${standIn}`, unsubscribe: `u${standIn}`, feedback: `f${standIn}` };
  const renderings = new Map<string, RenderedDigest>();
  const siteName = ctx.siteName.replace(/["\\\p{Cc}]/gu, '');
  return (queued, collection) => {
    const s = queued.subscription;
    const describe = describeSubscription(s, collection);
    const key = `${describe}\n${queued.content}`;
    let rendered = renderings.get(key);
    if (!rendered) {
      if (renderings.size >= RENDERINGS) renderings.clear();
      renderings.set(key, (rendered = renderDigest(JSON.parse(queued.content) as DigestContent, envelopeOf(ctx, describe, marks))));
    }
    const tokens = tokensOf(ctx.signer, s);
    const fill = (text: string) => text.split(marks.manage).join(tokens.manage).split(marks.unsubscribe).join(tokens.unsubscribe).split(marks.feedback).join(tokens.feedback);
    return {
      to: queued.recipient,
      subject: rendered.subject,
      text: fill(rendered.text),
      html: fill(rendered.html),
      messageId: queued.messageId,
      headers: {
        'List-Id': `"${siteName} ${s.kind} digest" <${s.kind}.digest.${mailHost(ctx.baseUrl)}>`,
        // RFC 8058: one POST to this address, without a session, ends this subscription.
        'List-Unsubscribe': `<${ctx.baseUrl}${unsubscribePath(tokens.unsubscribe)}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'Auto-Submitted': 'auto-generated',
        Precedence: 'bulk',
        'X-Auto-Response-Suppress': 'OOF, AutoReply',
      },
    };
  };
}
