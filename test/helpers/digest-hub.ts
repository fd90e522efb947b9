// A hub for digest tests: the three-topic corpus listed today, an LSA model over it, and a clock
// that makes the next edition fall due soon after the papers arrived. Papers record the real time
// they entered the hub (added_at), so the tests' editions are placed around it rather than the
// other way round: subscriptions send at the next full UTC hour, and `composeAt` is half past it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubLinkSigner } from '../../src/digest/links.ts';
import type { Mailer } from '../../src/digest/mailer.ts';
import type { DigestRunContext } from '../../src/digest/run.ts';
import type { PaperRecord } from '../../src/paper/types.ts';
import { centroidRecommender } from '../../src/rank/personal.ts';
import { SemanticSearch } from '../../src/search/semantic.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import type { Schedule, SubscriptionRequest } from '../../src/store/subscriptions.ts';
import { TOPIC_PAPERS } from '../web/topic-fixtures.ts';

const HOUR_MS = 3_600_000;
const QUARTER_HOUR_MS = HOUR_MS / 4;

export interface DigestHub {
  dir: string;
  dbPath: string;
  store: Store;
  semantic?: SemanticSearch;
  /** When the papers entered the hub. */
  arrived: Date;
  /** The daily schedule whose next edition falls due 15 to 75 minutes after `arrived` (UTC). */
  daily: Schedule;
  /** Half an hour after that edition fell due. */
  composeAt: Date;
  /** A subscription, confirmed an hour before the papers arrived. */
  subscribe(email: string, what: Partial<SubscriptionRequest>): Promise<number>;
  /** What a digest run needs, signing links with the hub's own secret (as its web pages check them). */
  context(mailer: Mailer, baseUrl?: string): Promise<DigestRunContext>;
  close(): Promise<void>;
}

/** The topic papers (or others), listed when they arrive. */
export async function digestHub(options: { meaning?: boolean; papers?: PaperRecord[]; path?: string } = {}): Promise<DigestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-digest-'));
  const dbPath = options.path ?? join(dir, 'hub.db');
  const store = await openSqliteStore(dbPath);
  const arrived = new Date();
  const listed = arrived.toISOString();
  await store.upsertPapers((options.papers ?? TOPIC_PAPERS).map((p) => ({ ...p, listedAt: listed, published: new Date(arrived.getTime() - 20 * HOUR_MS).toISOString() })));
  let semantic: SemanticSearch | undefined;
  if (options.meaning) {
    semantic = await SemanticSearch.open(store, { indexDir: join(dir, 'index') });
    await semantic.build({ kind: 'lsa', dimensions: 16 });
  }
  // At least a quarter of an hour after arrival: tests vote and collect a few minutes after the
  // papers arrive, and those events must fall inside the edition's window whatever the wall clock
  // says (a run four minutes before a full hour once put them in the next edition's).
  const due = new Date(Math.ceil((arrived.getTime() + QUARTER_HOUR_MS) / HOUR_MS) * HOUR_MS);
  const daily: Schedule = { frequency: 'daily', hour: due.getUTCHours(), weekday: 1, timeZone: 'UTC' };
  const confirmedAt = new Date(arrived.getTime() - HOUR_MS).toISOString();
  return {
    dir,
    dbPath,
    store,
    semantic,
    arrived,
    daily,
    composeAt: new Date(due.getTime() + HOUR_MS / 2),
    async subscribe(email, what) {
      const { subscription } = await store.subscriptions.request({
        email, kind: 'trending', target: '', schedule: daily, maxPapers: 10, now: confirmedAt, ...what,
        confirmation: { confirmed: true, nextDueAt: due.toISOString() },
      });
      return subscription.key;
    },
    async context(mailer, baseUrl = 'http://hub.example:3000') {
      return { store, semantic, recommender: centroidRecommender(store, semantic), mailer, signer: await hubLinkSigner(store.shared), siteName: 'Paperboy', baseUrl };
    },
    async close() {
      await semantic?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
