// Subscriptions, the digest outbox and digest feedback on PostgreSQL: the same tables and answers as
// sqlite-subscriptions.ts, method for method. As there, the outbox's primary key (subscription,
// edition) makes composing exactly-once: a second composition of an edition, even by another
// process at the same moment, inserts nothing (ON CONFLICT DO NOTHING waits for the first to commit
// and then keeps it). A mail leaves the queue only when the SMTP server has accepted it.
//
// Taking mail to send is where PostgreSQL needs more than SQLite: several processes may send from
// one database, and nothing may be handed to two of them at once. queued() takes its batch with
// SELECT … FOR UPDATE SKIP LOCKED (a batch being taken by another sender is passed over, not waited
// for) and, in the same transaction, claims it: each row's next_attempt_at moves a claim's length
// ahead, so no other sender sees it as due until this one has marked it or stopped renewing the
// claim. A sender that dies mid-batch leaves the rest to the next one when its claims run out (as
// long as the digests lease it ran under holds up the next run anyway), so a crash still loses
// nothing and doubles at most the mails that were in flight.
import type { PgDb } from './pg-db.ts';
import { normaliseEmail } from './sqlite-accounts.ts';
import {
  bounceReason,
  confirmationColumns,
  deliveryStatus,
  scheduleColumns,
  toOutboxEntry,
  toQueuedMail,
  toSubscriber,
  toSubscription,
  type OutboxRow,
  type QueuedRow,
  type SubscriberRow,
  type SubscriptionRow,
} from './subscription-rows.ts';
import type { DeliveryStatus, EditionRecord, OutboxEntry, QueuedMail, Schedule, Subscriber, Subscription, SubscriptionStore } from './subscriptions.ts';

const SUBSCRIPTION = `SELECT s.*, b.email::text AS email, b.created_at AS subscriber_created_at FROM subscriptions s JOIN subscribers b ON b.pk = s.subscriber_pk`;
const QUEUED = `SELECT s.*, b.email::text AS email, b.created_at AS subscriber_created_at, o.edition, o.message_id, o.recipient, o.attempts, c.body
  FROM digest_outbox o JOIN digest_contents c ON c.hash = o.content_hash
    JOIN subscriptions s ON s.pk = o.subscription_pk JOIN subscribers b ON b.pk = s.subscriber_pk`;
/** Rows named by parallel arrays of subscription keys and editions ($1, $2). */
const KEYS = `(subscription_pk, edition) IN (SELECT * FROM unnest($1::integer[], $2::text[]))`;

/**
 * How long a batch queued() hands out stays that sender's alone: as long as the digests lease
 * (src/digest/run.ts), so a sender that dies delays its unsent mail no longer than the lease already
 * delays the next run. Renewed while the sender keeps marking mails, so a slow batch keeps its rows.
 */
export const CLAIM_MS = 5 * 60_000;

const claimKey = (subscriptionKey: number, edition: string) => `${subscriptionKey}\u0000${edition}`;

export class PgSubscriptions implements SubscriptionStore {
  /**
   * The rows this store claimed and has not marked, with the next_attempt_at it wrote. While a row
   * still carries that stamp the claim is this store's, and its next queued() takes the row again
   * as SQLite's would (mail a bounce left behind is then cancelled, mail a stopped run left is sent
   * by the next run at once); any other sender waits for the claim to run out.
   */
  private readonly claims = new Map<string, { subscriptionKey: number; edition: string; until: string }>();

  constructor(private readonly db: PgDb) {}

  async request(r: Parameters<SubscriptionStore['request']>[0]): Promise<{ outcome: 'pending' | 'active' | 'already'; subscription: Subscription }> {
    const email = normaliseEmail(r.email);
    const { confirmed, tokenHash, expiresAt, nextDueAt } = confirmationColumns(r.confirmation);
    const { frequency, hour, weekday, timeZone } = scheduleColumns(r.schedule);
    const { outcome, pk } = await this.db.tx(async (q) => {
      await q.run('INSERT INTO subscribers (email, created_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING', [email, r.now]);
      // The address's row, locked: two requests for one address (two clicks, two processes) take
      // turns, as SQLite's IMMEDIATE transaction makes them, so the second finds what the first
      // made instead of both inserting. NO KEY UPDATE does not hold up rows that merely reference
      // the address (feedback, other subscriptions' keys).
      const subscriber = (await q.one<{ pk: number }>('SELECT pk FROM subscribers WHERE email = $1 FOR NO KEY UPDATE', [email]))!;
      const existing = await q.one<{ pk: number; state: string }>(
        `SELECT pk, state FROM subscriptions WHERE subscriber_pk = $1 AND kind = $2 AND target = $3 AND state <> 'ended'`,
        [subscriber.pk, r.kind, r.target],
      );
      if (existing && existing.state !== 'pending') return { outcome: 'already' as const, pk: existing.pk };
      const outcome = confirmed ? ('active' as const) : ('pending' as const);
      if (existing) {
        if (confirmed) {
          await q.run(
            `UPDATE subscriptions SET state = 'active', confirm_token_hash = NULL, confirm_expires_at = NULL, confirmed_at = $2,
               frequency = $3, send_hour = $4, weekday = $5, time_zone = $6, max_papers = $7,
               user_pk = coalesce($8::integer, user_pk), updated_at = $2, next_due_at = $9 WHERE pk = $1`,
            [existing.pk, r.now, frequency, hour, weekday, timeZone, r.maxPapers, r.userKey ?? null, nextDueAt],
          );
        } else {
          await q.run(
            `UPDATE subscriptions SET frequency = $3, send_hour = $4, weekday = $5, time_zone = $6, max_papers = $7,
               user_pk = coalesce($8::integer, user_pk), confirm_token_hash = $9, confirm_expires_at = $10, updated_at = $2 WHERE pk = $1`,
            [existing.pk, r.now, frequency, hour, weekday, timeZone, r.maxPapers, r.userKey ?? null, tokenHash, expiresAt],
          );
        }
        return { outcome, pk: existing.pk };
      }
      const inserted = await q.one<{ pk: number }>(
        `INSERT INTO subscriptions (subscriber_pk, user_pk, kind, target, frequency, send_hour, weekday, time_zone, max_papers, state,
           confirm_token_hash, confirm_expires_at, created_at, confirmed_at, updated_at, next_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $15) RETURNING pk`,
        [subscriber.pk, r.userKey ?? null, r.kind, r.target, frequency, hour, weekday, timeZone, r.maxPapers, outcome,
          tokenHash, expiresAt, r.now, confirmed ? r.now : null, nextDueAt],
      );
      return { outcome, pk: inserted!.pk };
    });
    return { outcome, subscription: (await this.subscription(pk))! };
  }

  async confirm(tokenHash: string, now: string, nextDueAt: (s: Subscription) => string): Promise<Subscription | undefined> {
    // One UPDATE: a second click at the same moment waits for the first's row lock, then finds the
    // subscription active and changes nothing, so a link works once.
    const row = await this.db.one<{ pk: number }>(
      `UPDATE subscriptions SET state = 'active', confirm_token_hash = NULL, confirm_expires_at = NULL, confirmed_at = $2, updated_at = $2
       WHERE confirm_token_hash = $1 AND state = 'pending' AND confirm_expires_at > $2 RETURNING pk`,
      [tokenHash, now],
    );
    if (!row) return undefined;
    const confirmed = (await this.subscription(row.pk))!;
    const due = nextDueAt(confirmed);
    await this.schedule(row.pk, due);
    return { ...confirmed, nextDueAt: due };
  }

  async subscription(key: number): Promise<Subscription | undefined> {
    const row = await this.db.one<SubscriptionRow>(`${SUBSCRIPTION} WHERE s.pk = $1`, [key]);
    return row && toSubscription(row);
  }

  async subscriber(key: number): Promise<Subscriber | undefined> {
    return toSubscriber(await this.db.one<SubscriberRow>('SELECT pk, email::text AS email, created_at FROM subscribers WHERE pk = $1', [key]));
  }

  async subscriberByEmail(email: string): Promise<Subscriber | undefined> {
    return toSubscriber(await this.db.one<SubscriberRow>('SELECT pk, email::text AS email, created_at FROM subscribers WHERE email = $1', [normaliseEmail(email)]));
  }

  async subscriptionsOf(subscriberKey: number): Promise<Subscription[]> {
    const rows = await this.db.many<SubscriptionRow>(`${SUBSCRIPTION} WHERE s.subscriber_pk = $1 AND s.state <> 'ended' ORDER BY s.created_at DESC, s.pk DESC`, [subscriberKey]);
    return rows.map(toSubscription);
  }

  async update(key: number, change: { schedule: Schedule; maxPapers: number; nextDueAt?: string; now: string }): Promise<void> {
    const { frequency, hour, weekday, timeZone } = scheduleColumns(change.schedule);
    await this.db.run(
      `UPDATE subscriptions SET frequency = $2, send_hour = $3, weekday = $4, time_zone = $5, max_papers = $6, next_due_at = $7, updated_at = $8
       WHERE pk = $1 AND state <> 'ended'`,
      [key, frequency, hour, weekday, timeZone, change.maxPapers, change.nextDueAt ?? null, change.now],
    );
  }

  async setState(key: number, state: 'active' | 'paused' | 'ended', change: { now: string; reason?: string; nextDueAt?: string }): Promise<boolean> {
    // Typed parameters: $2 and $4 appear both as values and in comparisons.
    const changed = await this.db.run(
      `UPDATE subscriptions SET state = $2::text, paused_reason = $3::text, updated_at = $4::text,
         ended_at = CASE WHEN $2::text = 'ended' THEN $4::text ELSE ended_at END,
         next_due_at = CASE WHEN $2::text = 'active' THEN $5::text ELSE next_due_at END,
         confirm_token_hash = CASE WHEN $2::text = 'ended' THEN NULL ELSE confirm_token_hash END
       WHERE pk = $1 AND state <> 'ended' AND (state <> 'pending' OR $2::text = 'ended')`,
      [key, state, change.reason ?? null, change.now, change.nextDueAt ?? null],
    );
    return changed > 0;
  }

  async due(now: string, afterKey: number, limit: number): Promise<Subscription[]> {
    const rows = await this.db.many<SubscriptionRow>(
      `${SUBSCRIPTION} WHERE s.state = 'active' AND (s.next_due_at IS NULL OR s.next_due_at <= $1) AND s.pk > $2 ORDER BY s.pk LIMIT $3`,
      [now, afterKey, limit],
    );
    return rows.map(toSubscription);
  }

  async countDue(now: string): Promise<number> {
    return (await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM subscriptions WHERE state = 'active' AND (next_due_at IS NULL OR next_due_at <= $1)`, [now]))!.n;
  }

  async schedule(key: number, nextDueAt: string): Promise<void> {
    await this.db.run('UPDATE subscriptions SET next_due_at = $1 WHERE pk = $2', [nextDueAt, key]);
  }

  async saveEditions(editions: (EditionRecord & { nextDueAt: string; coveredTo: string })[], now: string): Promise<boolean[]> {
    if (editions.length === 0) return [];
    // Three statements for the whole batch (a composer saves hundreds at a time), in one transaction.
    const contents = new Map<string, string>();
    for (const e of editions) if (e.content && !contents.has(e.content.hash)) contents.set(e.content.hash, e.content.body);
    // The last edition of a subscription in the batch says where it moves on to, as SQLite's row-by-row updates leave it.
    const advance = new Map<number, { nextDueAt: string; coveredTo: string }>();
    for (const e of editions) advance.set(e.subscriptionKey, { nextDueAt: e.nextDueAt, coveredTo: e.coveredTo });
    const added = await this.db.tx(async (q) => {
      if (contents.size > 0) {
        await q.run(
          `INSERT INTO digest_contents (hash, body, created_at) SELECT hash, body, $3 FROM unnest($1::text[], $2::text[]) AS c (hash, body)
           ON CONFLICT (hash) DO NOTHING`,
          [[...contents.keys()], [...contents.values()], now],
        );
      }
      // In the batch's order, so that of two compositions of one edition in one batch the first is kept, as on SQLite.
      const inserted = await q.many<{ subscription_pk: number; edition: string }>(
        `INSERT INTO digest_outbox (subscription_pk, edition, state, message_id, recipient, content_hash, papers, detail, created_at, next_attempt_at)
         SELECT e.subscription_pk, e.edition, e.state, e.message_id, e.recipient, e.content_hash, e.papers, e.detail, $9, $9
         FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[])
           WITH ORDINALITY AS e (subscription_pk, edition, state, message_id, recipient, content_hash, papers, detail, n)
         ORDER BY e.n
         ON CONFLICT (subscription_pk, edition) DO NOTHING RETURNING subscription_pk, edition`,
        [
          editions.map((e) => e.subscriptionKey), editions.map((e) => e.edition), editions.map((e) => e.state), editions.map((e) => e.messageId),
          editions.map((e) => e.recipient), editions.map((e) => e.content?.hash ?? null), editions.map((e) => e.papers), editions.map((e) => e.detail ?? null), now,
        ],
      );
      await q.run(
        `UPDATE subscriptions s SET next_due_at = a.next_due_at, covered_to = a.covered_to
         FROM unnest($1::integer[], $2::text[], $3::text[]) AS a (pk, next_due_at, covered_to) WHERE s.pk = a.pk`,
        [[...advance.keys()], [...advance.values()].map((a) => a.nextDueAt), [...advance.values()].map((a) => a.coveredTo)],
      );
      return new Set(inserted.map((r) => claimKey(r.subscription_pk, r.edition)));
    });
    // Each inserted edition is true once, where it first appears in the batch.
    return editions.map((e) => added.delete(claimKey(e.subscriptionKey, e.edition)));
  }

  async queued(now: string, limit: number): Promise<QueuedMail[]> {
    for (;;) {
      // Claims that ran out no longer need remembering: their rows are due again for every sender.
      for (const [k, c] of this.claims) if (c.until <= now) this.claims.delete(k);
      const mine = [...this.claims.values()];
      const until = new Date(Date.parse(now) + CLAIM_MS).toISOString();
      const rows = await this.db.tx(async (q) => {
        // First what this store claimed itself and has not marked, then what is due, oldest first.
        // FOR UPDATE OF o SKIP LOCKED: a row another sender is taking right now is passed over, and
        // one it took a moment ago is seen with its new next_attempt_at (READ COMMITTED rechecks the
        // condition against the newest version of a row it locks), so it is no longer due.
        const own = mine.length === 0 ? [] : await q.many<QueuedRow>(
          `${QUEUED} WHERE o.state = 'queued'
             AND (o.subscription_pk, o.edition, o.next_attempt_at) IN (SELECT * FROM unnest($1::integer[], $2::text[], $3::text[]))
           ORDER BY o.subscription_pk, o.edition LIMIT $4 FOR UPDATE OF o SKIP LOCKED`,
          [mine.map((c) => c.subscriptionKey), mine.map((c) => c.edition), mine.map((c) => c.until), limit],
        );
        const due = own.length >= limit ? [] : await q.many<QueuedRow>(
          `${QUEUED} WHERE o.state = 'queued' AND o.next_attempt_at <= $1
           ORDER BY o.next_attempt_at, o.subscription_pk, o.edition LIMIT $2 FOR UPDATE OF o SKIP LOCKED`,
          [now, limit - own.length],
        );
        const taken = [...own, ...due];
        // Paused or ended after it was composed: the mail is not sent (nor, later, resent).
        const cancel = taken.filter((r) => r.state !== 'active');
        if (cancel.length > 0) {
          await q.run(
            `UPDATE digest_outbox SET state = 'cancelled', detail = 'the subscription was paused or ended before it was sent' WHERE ${KEYS} AND state = 'queued'`,
            [cancel.map((r) => r.pk), cancel.map((r) => r.edition)],
          );
        }
        const send = taken.filter((r) => r.state === 'active');
        if (send.length > 0) await q.run(`UPDATE digest_outbox SET next_attempt_at = $3 WHERE ${KEYS}`, [send.map((r) => r.pk), send.map((r) => r.edition), until]);
        return taken;
      });
      // Remembered only once the claim is committed (a retried transaction runs its work again).
      const out: QueuedMail[] = [];
      for (const r of rows) {
        const k = claimKey(r.pk, r.edition);
        if (r.state !== 'active') {
          this.claims.delete(k);
          continue;
        }
        this.claims.set(k, { subscriptionKey: r.pk, edition: r.edition, until });
        out.push(toQueuedMail(r));
      }
      if (out.length > 0 || rows.length === 0) return out;
    }
  }

  /**
   * Moves this store's unmarked claims a claim's length past `now` once half of one has gone by, so
   * a sender still working through its batch keeps it. Only rows still carrying this store's stamp
   * move: one whose claim ran out and that another sender took is that sender's now.
   */
  private async renewClaims(now: string): Promise<void> {
    const at = Date.parse(now);
    if (this.claims.size === 0 || Number.isNaN(at)) return;
    const half = new Date(at + CLAIM_MS / 2).toISOString();
    const mine = [...this.claims.values()];
    if (!mine.some((c) => c.until <= half)) return;
    const until = new Date(at + CLAIM_MS).toISOString();
    const renewed = await this.db.many<{ subscription_pk: number; edition: string }>(
      `UPDATE digest_outbox SET next_attempt_at = $4 WHERE state = 'queued'
         AND (subscription_pk, edition, next_attempt_at) IN (SELECT * FROM unnest($1::integer[], $2::text[], $3::text[]))
       RETURNING subscription_pk, edition`,
      [mine.map((c) => c.subscriptionKey), mine.map((c) => c.edition), mine.map((c) => c.until), until],
    );
    const kept = new Set(renewed.map((r) => claimKey(r.subscription_pk, r.edition)));
    for (const [k, c] of this.claims) {
      if (kept.has(k)) c.until = until;
      else this.claims.delete(k);
    }
  }

  /** A mail marked is no longer claimed: the row's state (or, for a retry, its new time) says what happens next. */
  private async marked(subscriptionKey: number, edition: string, now: string | undefined): Promise<void> {
    this.claims.delete(claimKey(subscriptionKey, edition));
    if (now !== undefined) await this.renewClaims(now);
  }

  async markSent(subscriptionKey: number, edition: string, now: string, detail?: string): Promise<void> {
    await this.db.run(
      `UPDATE digest_outbox SET state = 'sent', sent_at = $3, attempts = attempts + 1, detail = $4 WHERE subscription_pk = $1 AND edition = $2 AND state = 'queued'`,
      [subscriptionKey, edition, now, detail ?? null],
    );
    await this.marked(subscriptionKey, edition, now);
  }

  async markRetry(subscriptionKey: number, edition: string, detail: string, nextAttemptAt: string): Promise<void> {
    await this.db.run(
      `UPDATE digest_outbox SET attempts = attempts + 1, detail = $3, next_attempt_at = $4 WHERE subscription_pk = $1 AND edition = $2 AND state = 'queued'`,
      [subscriptionKey, edition, detail, nextAttemptAt],
    );
    // A retry says when it will be tried, not what time it is now: nothing to renew by.
    await this.marked(subscriptionKey, edition, undefined);
  }

  async markFailed(subscriptionKey: number, edition: string, detail: string, now: string): Promise<void> {
    await this.db.run(
      `UPDATE digest_outbox SET state = 'failed', attempts = attempts + 1, detail = $3 WHERE subscription_pk = $1 AND edition = $2 AND state = 'queued'`,
      [subscriptionKey, edition, detail],
    );
    await this.marked(subscriptionKey, edition, now);
  }

  async markBounced(subscriptionKey: number, edition: string, detail: string, now: string): Promise<void> {
    // One transaction: the bounce is never recorded without the address's subscriptions paused.
    await this.db.tx(async (q) => {
      await q.run(
        `UPDATE digest_outbox SET state = 'bounced', attempts = attempts + 1, detail = $3 WHERE subscription_pk = $1 AND edition = $2 AND state = 'queued'`,
        [subscriptionKey, edition, detail],
      );
      await q.run(
        `UPDATE subscriptions SET state = 'paused', paused_reason = $2, updated_at = $3
         WHERE state = 'active' AND subscriber_pk = (SELECT subscriber_pk FROM subscriptions WHERE pk = $1)`,
        [subscriptionKey, bounceReason(now, detail), now],
      );
    });
    await this.marked(subscriptionKey, edition, now);
  }

  async editions(subscriptionKey: number, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.many<OutboxRow>('SELECT * FROM digest_outbox WHERE subscription_pk = $1 ORDER BY created_at DESC, edition DESC LIMIT $2', [subscriptionKey, limit]);
    return rows.map(toOutboxEntry);
  }

  async content(hash: string): Promise<string | undefined> {
    return (await this.db.one<{ body: string }>('SELECT body FROM digest_contents WHERE hash = $1', [hash]))?.body;
  }

  async status(): Promise<DeliveryStatus> {
    // COLLATE "C": the byte order SQLite sorts text in, whatever the database's collation.
    const [subscriptions, outbox, nextDue, lastSent] = await Promise.all([
      this.db.many<DeliveryStatus['subscriptions'][number]>('SELECT kind, state, count(*) AS count FROM subscriptions GROUP BY kind, state ORDER BY kind COLLATE "C", state COLLATE "C"'),
      this.db.many<DeliveryStatus['outbox'][number]>('SELECT state, count(*) AS count FROM digest_outbox GROUP BY state ORDER BY state COLLATE "C"'),
      this.db.one<{ at: string | null }>(`SELECT min(next_due_at) AS at FROM subscriptions WHERE state = 'active'`),
      this.db.one<{ at: string | null }>(`SELECT max(sent_at) AS at FROM digest_outbox WHERE state = 'sent'`),
    ]);
    return deliveryStatus(subscriptions, outbox, nextDue?.at, lastSent?.at);
  }

  async recordFeedback(subscriberKey: number, paperId: string, verdict: 1 | -1, now: string): Promise<void> {
    const paper = await this.db.one<{ pk: number }>('SELECT pk FROM papers WHERE id = $1', [paperId]);
    if (!paper) throw new Error(`No paper ${paperId} in this hub.`);
    // One statement per verdict: of two at once, the one committed last is the one kept.
    await this.db.run(
      `INSERT INTO digest_feedback (subscriber_pk, paper_pk, verdict, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subscriber_pk, paper_pk) DO UPDATE SET verdict = excluded.verdict, created_at = excluded.created_at`,
      [subscriberKey, paper.pk, verdict, now],
    );
  }

  async feedbackOf(email: string): Promise<{ key: number; verdict: 1 | -1 }[]> {
    return this.db.many<{ key: number; verdict: 1 | -1 }>(
      `SELECT f.paper_pk AS key, f.verdict FROM digest_feedback f JOIN subscribers b ON b.pk = f.subscriber_pk
       WHERE b.email = $1 ORDER BY f.created_at, f.paper_pk`,
      [normaliseEmail(email)],
    );
  }
}
