// Composing: for every subscription whose edition is due, choose its papers and leave the edition
// in the outbox, then move the subscription on to its next edition, all in one transaction per
// batch. Sending is a separate step (send.ts): a crash between the two loses nothing, and
// composing again never makes a second copy of an edition.
import { createHash } from 'node:crypto';
import type { EditionRecord, Subscription } from '../store/subscriptions.ts';
import { editionAt, editionLabel, nextEditionAfter, PERIOD_MS, type Edition } from './schedule.ts';
import { Selector, type DigestContext, type EditionWindow, type Selection } from './select.ts';

const BATCH = 500;

export interface ComposeReport {
  /** Subscriptions that were due. */
  due: number;
  queued: number;
  skipped: number;
  /** Ended or paused because their target is gone (a deleted collection, say). */
  stopped: number;
  /** Due but already composed (a second run of the same edition): nothing new. */
  unchanged: number;
  /** Per-subscriber composition time, milliseconds. */
  msPerSubscription: number;
}

export interface ComposeOptions {
  now: Date;
  /** The host Message-IDs and List-Ids are named after (the hub's base URL's host name). */
  mailHost: string;
  progress?: (done: number) => void;
  /** Called after each batch (a lease to renew, say). */
  afterBatch?: () => Promise<void>;
}

/** <digest-12-2026-12-07@papers.example.org>: one per (subscription, edition), so a copy sent again is recognisably the same mail. */
export function digestMessageId(subscriptionKey: number, edition: string, mailHost: string): string {
  return `<digest-${subscriptionKey}-${edition}@${mailHost}>`;
}

/** The window an edition covers: since the previous one (or one period back, for a new subscription). */
export function editionWindow(subscription: Subscription, edition: Edition): EditionWindow {
  const from = subscription.coveredTo ?? new Date(Date.parse(edition.dueAt) - PERIOD_MS[subscription.schedule.frequency]).toISOString();
  return { from, to: edition.dueAt };
}

/** The edition this subscription owes at `now`, if any: the latest one due, when it began before it. */
export function dueEdition(subscription: Subscription, now: Date): Edition | undefined {
  const edition = editionAt(subscription.schedule, now);
  const began = subscription.confirmedAt ?? subscription.createdAt;
  if (edition.dueAt <= began || (subscription.coveredTo && edition.dueAt <= subscription.coveredTo)) return undefined;
  return edition;
}

export async function composeDue(ctx: DigestContext, options: ComposeOptions): Promise<ComposeReport> {
  const { store } = ctx;
  const now = options.now;
  const selector = new Selector(ctx);
  const bodies = new WeakMap<object, Map<string, { hash: string; body: string }>>();
  const report: ComposeReport = { due: 0, queued: 0, skipped: 0, stopped: 0, unchanged: 0, msPerSubscription: 0 };
  const started = performance.now();
  for (let after = 0; ; ) {
    const due = await store.subscriptions.due(now.toISOString(), after, BATCH);
    if (due.length === 0) break;
    after = due[due.length - 1]!.key;
    const editions: (EditionRecord & { nextDueAt: string; coveredTo: string })[] = [];
    for (const subscription of due) {
      report.due++;
      const edition = dueEdition(subscription, now);
      const next = nextEditionAfter(subscription.schedule, edition ? new Date(edition.dueAt) : now).dueAt;
      if (!edition) {
        await store.subscriptions.schedule(subscription.key, next);
        report.unchanged++;
        continue;
      }
      const selection = await selector.select(subscription, editionWindow(subscription, edition));
      if ('stop' in selection) {
        await store.subscriptions.setState(subscription.key, selection.stop, { now: now.toISOString(), reason: selection.reason });
        report.stopped++;
        continue;
      }
      editions.push({ ...editionRecord(subscription, edition, selection, options.mailHost, bodies), nextDueAt: next, coveredTo: edition.dueAt });
    }
    const added = await store.subscriptions.saveEditions(editions, now.toISOString());
    editions.forEach((e, i) => report[!added[i] ? 'unchanged' : e.state === 'queued' ? 'queued' : 'skipped']++);
    options.progress?.(report.due);
    await options.afterBatch?.();
  }
  report.msPerSubscription = report.due > 0 ? (performance.now() - started) / report.due : 0;
  return report;
}

/** Selections are shared between subscribers, and so, per edition name, is their stored form. */
type BodyCache = WeakMap<object, Map<string, { hash: string; body: string }>>;

function editionRecord(subscription: Subscription, edition: Edition, selection: Exclude<Selection, { stop: unknown }>, mailHost: string, bodies: BodyCache): EditionRecord {
  const base = {
    subscriptionKey: subscription.key,
    edition: edition.key,
    messageId: digestMessageId(subscription.key, edition.key, mailHost),
    recipient: subscription.subscriber.email,
  };
  if ('skip' in selection) return { ...base, state: 'skipped', papers: 0, detail: selection.skip };
  const label = editionLabel(subscription.schedule, edition);
  const byLabel = bodies.get(selection.content) ?? new Map<string, { hash: string; body: string }>();
  bodies.set(selection.content, byLabel);
  let content = byLabel.get(label);
  if (!content) {
    const body = JSON.stringify({ ...selection.content, edition: label });
    byLabel.set(label, (content = { hash: createHash('sha256').update(body).digest('hex'), body }));
  }
  return { ...base, state: 'queued', papers: selection.content.papers.length, content };
}
