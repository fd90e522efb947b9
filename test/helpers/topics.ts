// A temporary SQLite hub holding the three-topic corpus of test/web/topic-fixtures.ts, for tests
// that build, reopen and replace meaning models themselves (topicHub builds one model up front).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaperRecord } from '../../src/paper/types.ts';
import { SemanticSearch, type SemanticOptions } from '../../src/search/semantic.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { TOPIC_PAPERS } from '../web/topic-fixtures.ts';

export interface TopicStore {
  dir: string;
  dbPath: string;
  indexDir: string;
  store: Store;
  /** A SemanticSearch over this hub; closed with the hub. */
  open(store?: Store, options?: Omit<SemanticOptions, 'indexDir'>): Promise<SemanticSearch>;
  /** A second connection to the same database file (another process, as far as SQLite can tell); closed with the hub. */
  connect(): Promise<Store>;
  close(): Promise<void>;
}

export async function topicStore(papers: PaperRecord[] = TOPIC_PAPERS): Promise<TopicStore> {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-topics-'));
  const dbPath = join(dir, 'hub.db');
  const indexDir = join(dir, 'index');
  const store = await openSqliteStore(dbPath);
  await store.upsertPapers(papers);
  const opened: SemanticSearch[] = [];
  const stores: Store[] = [];
  return {
    dir,
    dbPath,
    indexDir,
    store,
    async open(on = store, options = {}) {
      const s = await SemanticSearch.open(on, { ...options, indexDir });
      opened.push(s);
      return s;
    },
    async connect() {
      const s = await openSqliteStore(dbPath);
      stores.push(s);
      return s;
    },
    async close() {
      for (const s of opened) await s.close();
      for (const s of stores) await s.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ids of the store's papers, in key order, so tests can turn keys back into ids. */
export async function idsByKey(store: Store): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let after = 0; ; ) {
    const page = await store.vectors.texts(after, 500);
    if (page.length === 0) return out;
    for (const p of page) out.set(p.key, p.id);
    after = page[page.length - 1]!.key;
  }
}
