// Subscriptions in words, the same in mails, on the manage page and on the command line.
import type { Subscription, SubscriptionKind } from '../store/subscriptions.ts';
import { describeSchedule } from './schedule.ts';

/** "trending papers", "new papers on “diffusion”", "new papers by Yann LeCun", "additions to “Reading group”". */
export function describeTarget(kind: SubscriptionKind, target: string, collectionName?: string): string {
  switch (kind) {
    case 'trending':
      return 'trending papers';
    case 'search':
      return `new papers on “${target}”`;
    case 'author':
      return `new papers by ${target}`;
    case 'collection':
      return collectionName ? `additions to the collection “${collectionName}”` : 'additions to a collection';
    case 'personal':
      return 'papers like the ones you upvoted and saved';
  }
}

/** "trending papers, daily at 08:00 (Europe/Berlin)". */
export function describeSubscription(s: Pick<Subscription, 'kind' | 'target' | 'schedule'>, collectionName?: string): string {
  return `${describeTarget(s.kind, s.target, collectionName)}, ${describeSchedule(s.schedule)}`;
}
