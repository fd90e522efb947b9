// Rows of the delivery tables (subscribers, subscriptions, digest_outbox) as both engines read them
// (sqlite-subscriptions.ts, pg-subscriptions.ts), and what they are in subscriptions.ts's terms.
import type { Selectable } from 'kysely';
import type { DigestOutboxTable, SubscribersTable, SubscriptionsTable } from './schema.ts';
import type { DeliveryStatus, OutboxEntry, QueuedMail, Schedule, Subscriber, Subscription, SubscriptionStore } from './subscriptions.ts';

/** A subscription joined with its subscriber's address, as the queries read it. */
export type SubscriptionRow = Omit<Selectable<SubscriptionsTable>, 'confirm_token_hash' | 'confirm_expires_at'> & {
  email: string;
  subscriber_created_at: string;
};

export type OutboxRow = Selectable<DigestOutboxTable>;

/** A queued mail: its subscription, its outbox row's address and counts, and its content. */
export type QueuedRow = SubscriptionRow & Pick<OutboxRow, 'edition' | 'message_id' | 'recipient' | 'attempts'> & { body: string };

export type SubscriberRow = Selectable<SubscribersTable>;

export function toSubscriber(row: SubscriberRow | undefined): Subscriber | undefined {
  return row && { key: row.pk, email: row.email, createdAt: row.created_at };
}

/** A schedule's columns (frequency, send_hour, weekday, time_zone) by the names the statements use. */
export function scheduleColumns(s: Schedule) {
  return { frequency: s.frequency, hour: s.hour, weekday: s.weekday, timeZone: s.timeZone };
}

/** What a request's confirmation writes: a pending one's token and expiry, or when a confirmed one is first due. */
export function confirmationColumns(confirmation: Parameters<SubscriptionStore['request']>[0]['confirmation']): {
  confirmed: boolean;
  tokenHash: string | null;
  expiresAt: string | null;
  nextDueAt: string | null;
} {
  return {
    confirmed: 'confirmed' in confirmation,
    tokenHash: 'tokenHash' in confirmation ? confirmation.tokenHash : null,
    expiresAt: 'expiresAt' in confirmation ? confirmation.expiresAt : null,
    nextDueAt: 'nextDueAt' in confirmation ? confirmation.nextDueAt : null,
  };
}

export function toSubscription(r: SubscriptionRow): Subscription {
  return {
    key: r.pk,
    subscriber: { key: r.subscriber_pk, email: r.email, createdAt: r.subscriber_created_at },
    ...(r.user_pk !== null ? { userKey: r.user_pk } : {}),
    kind: r.kind,
    target: r.target,
    schedule: { frequency: r.frequency, hour: r.send_hour, weekday: r.weekday, timeZone: r.time_zone },
    maxPapers: r.max_papers,
    state: r.state,
    ...(r.paused_reason !== null ? { pausedReason: r.paused_reason } : {}),
    createdAt: r.created_at,
    ...(r.confirmed_at !== null ? { confirmedAt: r.confirmed_at } : {}),
    updatedAt: r.updated_at,
    ...(r.ended_at !== null ? { endedAt: r.ended_at } : {}),
    ...(r.next_due_at !== null ? { nextDueAt: r.next_due_at } : {}),
    ...(r.covered_to !== null ? { coveredTo: r.covered_to } : {}),
  };
}

export function toQueuedMail(r: QueuedRow): QueuedMail {
  return { subscription: toSubscription(r), edition: r.edition, messageId: r.message_id, recipient: r.recipient, content: r.body, attempts: r.attempts };
}

export function toOutboxEntry(r: OutboxRow): OutboxEntry {
  return {
    subscriptionKey: r.subscription_pk,
    edition: r.edition,
    state: r.state,
    messageId: r.message_id,
    papers: r.papers,
    ...(r.detail !== null ? { detail: r.detail } : {}),
    attempts: r.attempts,
    createdAt: r.created_at,
    ...(r.sent_at !== null ? { sentAt: r.sent_at } : {}),
  };
}

/** Why a bounce paused an address's subscriptions, as their paused_reason says it. */
export function bounceReason(now: string, detail: string): string {
  return `Mail to this address bounced on ${now.slice(0, 10)}: ${detail}`;
}

export function deliveryStatus(
  subscriptions: DeliveryStatus['subscriptions'],
  outbox: DeliveryStatus['outbox'],
  nextDue: string | null | undefined,
  lastSent: string | null | undefined,
): DeliveryStatus {
  return {
    subscriptions,
    outbox,
    ...(nextDue ? { nextDueAt: nextDue } : {}),
    ...(lastSent ? { lastSentAt: lastSent } : {}),
  };
}
