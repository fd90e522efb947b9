// Subscriptions, the digest outbox and digest feedback on the same SQLite connection as the papers.
// The outbox's primary key (subscription, edition) is what makes delivery exactly-once: composing
// an edition twice inserts nothing the second time, and a mail leaves the queue only when the SMTP
// server has accepted it.
import type BetterSqlite3 from 'better-sqlite3';
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

const SUBSCRIPTION = `SELECT s.*, b.email, b.created_at AS subscriber_created_at FROM subscriptions s JOIN subscribers b ON b.pk = s.subscriber_pk`;

export class SqliteSubscriptions implements SubscriptionStore {
  private readonly s;
  private readonly requestOnce;
  private readonly saveOnce;
  private readonly bounceOnce;

  constructor(db: BetterSqlite3.Database) {
    this.s = {
      subscriber: db.prepare('SELECT pk, email, created_at FROM subscribers WHERE pk = ?'),
      subscriberByEmail: db.prepare('SELECT pk, email, created_at FROM subscribers WHERE email = ?'),
      insertSubscriber: db.prepare('INSERT INTO subscribers (email, created_at) VALUES (?, ?) ON CONFLICT (email) DO NOTHING'),
      live: db.prepare(`${SUBSCRIPTION} WHERE s.subscriber_pk = ? AND s.kind = ? AND s.target = ? AND s.state <> 'ended'`),
      byKey: db.prepare(`${SUBSCRIPTION} WHERE s.pk = ?`),
      of: db.prepare(`${SUBSCRIPTION} WHERE s.subscriber_pk = ? AND s.state <> 'ended' ORDER BY s.created_at DESC, s.pk DESC`),
      insert: db.prepare(`INSERT INTO subscriptions (subscriber_pk, user_pk, kind, target, frequency, send_hour, weekday, time_zone, max_papers, state,
                            confirm_token_hash, confirm_expires_at, created_at, confirmed_at, updated_at, next_due_at)
                          VALUES (@subscriber, @userKey, @kind, @target, @frequency, @hour, @weekday, @timeZone, @maxPapers, @state,
                            @tokenHash, @expiresAt, @now, @confirmedAt, @now, @nextDueAt)`),
      refreshPending: db.prepare(`UPDATE subscriptions SET frequency = @frequency, send_hour = @hour, weekday = @weekday, time_zone = @timeZone,
                                    max_papers = @maxPapers, user_pk = coalesce(@userKey, user_pk), confirm_token_hash = @tokenHash,
                                    confirm_expires_at = @expiresAt, updated_at = @now WHERE pk = @pk`),
      activatePending: db.prepare(`UPDATE subscriptions SET state = 'active', confirm_token_hash = NULL, confirm_expires_at = NULL, confirmed_at = @now,
                                     frequency = @frequency, send_hour = @hour, weekday = @weekday, time_zone = @timeZone, max_papers = @maxPapers,
                                     user_pk = coalesce(@userKey, user_pk), updated_at = @now, next_due_at = @nextDueAt WHERE pk = @pk`),
      confirm: db.prepare(`UPDATE subscriptions SET state = 'active', confirm_token_hash = NULL, confirm_expires_at = NULL, confirmed_at = @now, updated_at = @now
                           WHERE confirm_token_hash = @tokenHash AND state = 'pending' AND confirm_expires_at > @now RETURNING pk`),
      update: db.prepare(`UPDATE subscriptions SET frequency = @frequency, send_hour = @hour, weekday = @weekday, time_zone = @timeZone,
                            max_papers = @maxPapers, next_due_at = @nextDueAt, updated_at = @now WHERE pk = @pk AND state <> 'ended'`),
      setState: db.prepare(`UPDATE subscriptions SET state = @state, paused_reason = @reason, updated_at = @now,
                              ended_at = CASE WHEN @state = 'ended' THEN @now ELSE ended_at END,
                              next_due_at = CASE WHEN @state = 'active' THEN @nextDueAt ELSE next_due_at END,
                              confirm_token_hash = CASE WHEN @state = 'ended' THEN NULL ELSE confirm_token_hash END
                            WHERE pk = @pk AND state <> 'ended' AND (state <> 'pending' OR @state = 'ended')`),
      due: db.prepare(`${SUBSCRIPTION} WHERE s.state = 'active' AND (s.next_due_at IS NULL OR s.next_due_at <= @now) AND s.pk > @after ORDER BY s.pk LIMIT @limit`),
      countDue: db.prepare(`SELECT count(*) FROM subscriptions WHERE state = 'active' AND (next_due_at IS NULL OR next_due_at <= ?)`).pluck(),
      schedule: db.prepare('UPDATE subscriptions SET next_due_at = ? WHERE pk = ?'),
      insertContent: db.prepare('INSERT OR IGNORE INTO digest_contents (hash, body, created_at) VALUES (?, ?, ?)'),
      insertEdition: db.prepare(`INSERT OR IGNORE INTO digest_outbox (subscription_pk, edition, state, message_id, recipient, content_hash, papers, detail, created_at, next_attempt_at)
                                 VALUES (@subscriptionKey, @edition, @state, @messageId, @recipient, @hash, @papers, @detail, @now, @now)`),
      advance: db.prepare('UPDATE subscriptions SET next_due_at = @nextDueAt, covered_to = @coveredTo WHERE pk = @subscriptionKey'),
      queued: db.prepare(`SELECT s.*, b.email, b.created_at AS subscriber_created_at, o.edition, o.message_id, o.recipient, o.attempts, c.body
                          FROM digest_outbox o JOIN digest_contents c ON c.hash = o.content_hash
                            JOIN subscriptions s ON s.pk = o.subscription_pk JOIN subscribers b ON b.pk = s.subscriber_pk
                          WHERE o.state = 'queued' AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.subscription_pk, o.edition LIMIT ?`),
      cancel: db.prepare(`UPDATE digest_outbox SET state = 'cancelled', detail = 'the subscription was paused or ended before it was sent'
                          WHERE subscription_pk = ? AND edition = ? AND state = 'queued'`),
      sent: db.prepare(`UPDATE digest_outbox SET state = 'sent', sent_at = @now, attempts = attempts + 1, detail = @detail
                        WHERE subscription_pk = @key AND edition = @edition AND state = 'queued'`),
      retry: db.prepare(`UPDATE digest_outbox SET attempts = attempts + 1, detail = @detail, next_attempt_at = @next
                         WHERE subscription_pk = @key AND edition = @edition AND state = 'queued'`),
      finish: db.prepare(`UPDATE digest_outbox SET state = @state, attempts = attempts + 1, detail = @detail
                          WHERE subscription_pk = @key AND edition = @edition AND state = 'queued'`),
      pauseAddress: db.prepare(`UPDATE subscriptions SET state = 'paused', paused_reason = @reason, updated_at = @now
                                WHERE state = 'active' AND subscriber_pk = (SELECT subscriber_pk FROM subscriptions WHERE pk = @key)`),
      editions: db.prepare('SELECT * FROM digest_outbox WHERE subscription_pk = ? ORDER BY created_at DESC, edition DESC LIMIT ?'),
      content: db.prepare('SELECT body FROM digest_contents WHERE hash = ?'),
      subscriptionCounts: db.prepare('SELECT kind, state, count(*) AS count FROM subscriptions GROUP BY kind, state ORDER BY kind, state'),
      outboxCounts: db.prepare('SELECT state, count(*) AS count FROM digest_outbox GROUP BY state ORDER BY state'),
      nextDue: db.prepare(`SELECT min(next_due_at) AS at FROM subscriptions WHERE state = 'active'`),
      lastSent: db.prepare(`SELECT max(sent_at) AS at FROM digest_outbox WHERE state = 'sent'`),
      paperPk: db.prepare('SELECT pk FROM papers WHERE id = ?'),
      feedback: db.prepare(`INSERT INTO digest_feedback (subscriber_pk, paper_pk, verdict, created_at) VALUES (?, ?, ?, ?)
                            ON CONFLICT (subscriber_pk, paper_pk) DO UPDATE SET verdict = excluded.verdict, created_at = excluded.created_at`),
      feedbackOf: db.prepare(`SELECT f.paper_pk AS key, f.verdict FROM digest_feedback f JOIN subscribers b ON b.pk = f.subscriber_pk
                              WHERE b.email = ? ORDER BY f.created_at, f.paper_pk`),
    };

    this.requestOnce = db.transaction((r: Parameters<SubscriptionStore['request']>[0]) => {
      const email = normaliseEmail(r.email);
      this.s.insertSubscriber.run(email, r.now);
      const subscriber = this.s.subscriberByEmail.get(email) as { pk: number };
      const existing = this.s.live.get(subscriber.pk, r.kind, r.target) as SubscriptionRow | undefined;
      const { confirmed, tokenHash, expiresAt, nextDueAt } = confirmationColumns(r.confirmation);
      const values = {
        subscriber: subscriber.pk, userKey: r.userKey ?? null, kind: r.kind, target: r.target, ...scheduleColumns(r.schedule), maxPapers: r.maxPapers, now: r.now,
        tokenHash, expiresAt, nextDueAt,
      };
      if (existing && existing.state !== 'pending') return { outcome: 'already' as const, pk: existing.pk };
      if (existing) {
        (confirmed ? this.s.activatePending : this.s.refreshPending).run({ ...values, pk: existing.pk });
        return { outcome: confirmed ? ('active' as const) : ('pending' as const), pk: existing.pk };
      }
      const pk = Number(this.s.insert.run({ ...values, state: confirmed ? 'active' : 'pending', confirmedAt: confirmed ? r.now : null }).lastInsertRowid);
      return { outcome: confirmed ? ('active' as const) : ('pending' as const), pk };
    });

    this.saveOnce = db.transaction((editions: (EditionRecord & { nextDueAt: string; coveredTo: string })[], now: string) => {
      const stored = new Set<string>();
      return editions.map((e) => {
        if (e.content && !stored.has(e.content.hash)) {
          this.s.insertContent.run(e.content.hash, e.content.body, now);
          stored.add(e.content.hash);
        }
        const added = this.s.insertEdition.run({ ...e, hash: e.content?.hash ?? null, detail: e.detail ?? null, now }).changes > 0;
        this.s.advance.run(e);
        return added;
      });
    });

    this.bounceOnce = db.transaction((key: number, edition: string, detail: string, now: string) => {
      this.s.finish.run({ key, edition, state: 'bounced', detail });
      this.s.pauseAddress.run({ key, reason: bounceReason(now, detail), now });
    });
  }

  async request(r: Parameters<SubscriptionStore['request']>[0]): Promise<{ outcome: 'pending' | 'active' | 'already'; subscription: Subscription }> {
    const { outcome, pk } = this.requestOnce.immediate(r);
    return { outcome, subscription: (await this.subscription(pk))! };
  }

  async confirm(tokenHash: string, now: string, nextDueAt: (s: Subscription) => string): Promise<Subscription | undefined> {
    const row = this.s.confirm.get({ tokenHash, now }) as { pk: number } | undefined;
    if (!row) return undefined;
    const confirmed = (await this.subscription(row.pk))!;
    const due = nextDueAt(confirmed);
    this.s.schedule.run(due, row.pk);
    return { ...confirmed, nextDueAt: due };
  }

  async subscription(key: number): Promise<Subscription | undefined> {
    const row = this.s.byKey.get(key) as SubscriptionRow | undefined;
    return row && toSubscription(row);
  }

  async subscriber(key: number): Promise<Subscriber | undefined> {
    return toSubscriber(this.s.subscriber.get(key) as SubscriberRow | undefined);
  }

  async subscriberByEmail(email: string): Promise<Subscriber | undefined> {
    return toSubscriber(this.s.subscriberByEmail.get(normaliseEmail(email)) as SubscriberRow | undefined);
  }

  async subscriptionsOf(subscriberKey: number): Promise<Subscription[]> {
    return (this.s.of.all(subscriberKey) as SubscriptionRow[]).map(toSubscription);
  }

  async update(key: number, change: { schedule: Schedule; maxPapers: number; nextDueAt?: string; now: string }): Promise<void> {
    this.s.update.run({ pk: key, ...scheduleColumns(change.schedule), maxPapers: change.maxPapers, nextDueAt: change.nextDueAt ?? null, now: change.now });
  }

  async setState(key: number, state: 'active' | 'paused' | 'ended', change: { now: string; reason?: string; nextDueAt?: string }): Promise<boolean> {
    return this.s.setState.run({ pk: key, state, reason: change.reason ?? null, now: change.now, nextDueAt: change.nextDueAt ?? null }).changes > 0;
  }

  async due(now: string, afterKey: number, limit: number): Promise<Subscription[]> {
    return (this.s.due.all({ now, after: afterKey, limit }) as SubscriptionRow[]).map(toSubscription);
  }

  async countDue(now: string): Promise<number> {
    return this.s.countDue.get(now) as number;
  }

  async schedule(key: number, nextDueAt: string): Promise<void> {
    this.s.schedule.run(nextDueAt, key);
  }

  async saveEditions(editions: (EditionRecord & { nextDueAt: string; coveredTo: string })[], now: string): Promise<boolean[]> {
    return editions.length === 0 ? [] : this.saveOnce.immediate(editions, now);
  }

  async queued(now: string, limit: number): Promise<QueuedMail[]> {
    for (;;) {
      const rows = this.s.queued.all(now, limit) as QueuedRow[];
      const out: QueuedMail[] = [];
      for (const r of rows) {
        // Paused or ended after it was composed: the mail is not sent (nor, later, resent).
        if (r.state !== 'active') this.s.cancel.run(r.pk, r.edition);
        else out.push(toQueuedMail(r));
      }
      if (out.length > 0 || rows.length === 0) return out;
    }
  }

  async markSent(subscriptionKey: number, edition: string, now: string, detail?: string): Promise<void> {
    this.s.sent.run({ key: subscriptionKey, edition, now, detail: detail ?? null });
  }

  async markRetry(subscriptionKey: number, edition: string, detail: string, nextAttemptAt: string): Promise<void> {
    this.s.retry.run({ key: subscriptionKey, edition, detail, next: nextAttemptAt });
  }

  async markFailed(subscriptionKey: number, edition: string, detail: string, _now: string): Promise<void> {
    this.s.finish.run({ key: subscriptionKey, edition, state: 'failed', detail });
  }

  async markBounced(subscriptionKey: number, edition: string, detail: string, now: string): Promise<void> {
    this.bounceOnce.immediate(subscriptionKey, edition, detail, now);
  }

  async editions(subscriptionKey: number, limit: number): Promise<OutboxEntry[]> {
    return (this.s.editions.all(subscriptionKey, limit) as OutboxRow[]).map(toOutboxEntry);
  }

  async content(hash: string): Promise<string | undefined> {
    return (this.s.content.get(hash) as { body: string } | undefined)?.body;
  }

  async status(): Promise<DeliveryStatus> {
    return deliveryStatus(
      this.s.subscriptionCounts.all() as DeliveryStatus['subscriptions'],
      this.s.outboxCounts.all() as DeliveryStatus['outbox'],
      (this.s.nextDue.get() as { at: string | null }).at,
      (this.s.lastSent.get() as { at: string | null }).at,
    );
  }

  async recordFeedback(subscriberKey: number, paperId: string, verdict: 1 | -1, now: string): Promise<void> {
    const paper = this.s.paperPk.get(paperId) as { pk: number } | undefined;
    if (!paper) throw new Error(`No paper ${paperId} in this hub.`);
    this.s.feedback.run(subscriberKey, paper.pk, verdict, now);
  }

  async feedbackOf(email: string): Promise<{ key: number; verdict: 1 | -1 }[]> {
    return this.s.feedbackOf.all(normaliseEmail(email)) as { key: number; verdict: 1 | -1 }[];
  }
}
