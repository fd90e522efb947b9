// Vectors per paper per embedding model, on the same SQLite connection as the papers. A model is
// 'building' until every paper has its vector, and only a 'ready' model can become the active one,
// so switching models never serves a half-built index.

import type BetterSqlite3 from 'better-sqlite3';
import type { PaperText, VectorModelInfo, VectorStore } from './store.ts';
import { ACTIVE_MODEL as ACTIVE, checkActivatable, fromBlob, toBlob, toModelInfo, type ModelRow } from './vector-rows.ts';

const TEXT_COLUMNS = 'p.pk AS key, p.id, p.title, p.abstract, p.changed_at AS changedAt';

export class SqliteVectors implements VectorStore {
  private readonly s;
  /**
   * The last pending count and the state of the database it was counted in: commits by other
   * connections (data_version) and rows this one changed (total_changes). A server's upkeep asks
   * every few minutes; at a million papers a count costs half a second, an unchanged state nothing.
   */
  private lastPending?: { model: string; state: string; n: number };

  constructor(private readonly db: BetterSqlite3.Database) {
    this.s = {
      models: db.prepare('SELECT * FROM vector_models ORDER BY created_at'),
      count: db.prepare('SELECT count(*) AS n FROM paper_vectors WHERE model = ?'),
      activeName: db.prepare('SELECT value FROM meta WHERE key = ?'),
      upsertModel: db.prepare(`INSERT INTO vector_models (name, dimensions, config, state, created_at, ready_at) VALUES (@name, @dimensions, @config, @state, @now, CASE WHEN @state = 'ready' THEN @now END)
                               ON CONFLICT (name) DO UPDATE SET dimensions = excluded.dimensions, config = excluded.config, state = excluded.state, ready_at = excluded.ready_at`),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ? AND value = ?'),
      dropModel: db.prepare('DELETE FROM vector_models WHERE name = ?'),
      dropVectors: db.prepare('DELETE FROM paper_vectors WHERE model = ?'),
      put: db.prepare('INSERT OR REPLACE INTO paper_vectors (model, paper_pk, source_changed_at, vector) VALUES (?, ?, ?, ?)'),
      // INDEXED BY: the planner would pick the primary key, which does not hold source_changed_at.
      pending: db.prepare(`SELECT ${TEXT_COLUMNS} FROM papers p LEFT JOIN paper_vectors v INDEXED BY paper_vectors_changed ON v.model = ? AND v.paper_pk = p.pk
                           WHERE p.pk > ? AND (v.paper_pk IS NULL OR v.source_changed_at <> p.changed_at) ORDER BY p.pk LIMIT ?`),
      countPending: db.prepare(`SELECT count(*) AS n FROM papers p LEFT JOIN paper_vectors v INDEXED BY paper_vectors_changed ON v.model = ? AND v.paper_pk = p.pk
                                WHERE v.paper_pk IS NULL OR v.source_changed_at <> p.changed_at`),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      totalChanges: db.prepare('SELECT total_changes()').pluck(),
      scan: db.prepare('SELECT paper_pk AS key, vector FROM paper_vectors WHERE model = ? AND paper_pk > ? ORDER BY paper_pk LIMIT ?'),
      // Read from the primary-key index alone: the vectors are not touched.
      keys: db.prepare('SELECT paper_pk FROM paper_vectors WHERE model = ? AND paper_pk > ? ORDER BY paper_pk LIMIT ?').pluck(),
      get: db.prepare('SELECT vector FROM paper_vectors WHERE model = ? AND paper_pk = ?'),
      texts: db.prepare(`SELECT ${TEXT_COLUMNS} FROM papers p WHERE p.pk > ? ORDER BY p.pk LIMIT ?`),
    };
  }

  async models(): Promise<VectorModelInfo[]> {
    const active = (this.s.activeName.get(ACTIVE) as { value: string } | undefined)?.value;
    return (this.s.models.all() as ModelRow[]).map((r) => toModelInfo(r, active, (this.s.count.get(r.name) as { n: number }).n));
  }

  async active(): Promise<VectorModelInfo | undefined> {
    return (await this.models()).find((m) => m.active);
  }

  async saveModel(model: { name: string; dimensions: number; config: Record<string, unknown>; state: 'building' | 'ready' }): Promise<void> {
    this.s.upsertModel.run({ ...model, config: JSON.stringify(model.config), now: new Date().toISOString() });
  }

  async activate(name: string): Promise<void> {
    checkActivatable(await this.models(), name);
    this.s.setMeta.run(ACTIVE, name);
  }

  async dropModel(name: string): Promise<void> {
    this.db.transaction(() => {
      this.s.dropVectors.run(name);
      this.s.dropModel.run(name);
      this.s.deleteMeta.run(ACTIVE, name);
    })();
  }

  async put(model: string, rows: { key: number; changedAt: string; vector: Float32Array }[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of rows) this.s.put.run(model, r.key, r.changedAt, toBlob(r.vector));
    })();
  }

  async pending(model: string, afterKey: number, limit: number): Promise<PaperText[]> {
    return this.s.pending.all(model, afterKey, limit) as PaperText[];
  }

  async countPending(model: string): Promise<number> {
    const state = `${this.s.dataVersion.get()}:${this.s.totalChanges.get()}`;
    if (this.lastPending?.model === model && this.lastPending.state === state) return this.lastPending.n;
    const n = (this.s.countPending.get(model) as { n: number }).n;
    this.lastPending = { model, state, n };
    return n;
  }

  async scan(model: string, afterKey: number, limit: number): Promise<{ key: number; vector: Float32Array }[]> {
    return (this.s.scan.all(model, afterKey, limit) as { key: number; vector: Buffer }[]).map((r) => ({ key: r.key, vector: fromBlob(r.vector) }));
  }

  async keys(model: string, afterKey: number, limit: number): Promise<number[]> {
    return this.s.keys.all(model, afterKey, limit) as number[];
  }

  async get(model: string, key: number): Promise<Float32Array | undefined> {
    const row = this.s.get.get(model, key) as { vector: Buffer } | undefined;
    return row && fromBlob(row.vector);
  }

  async getMany(model: string, keys: number[]): Promise<Map<number, Float32Array>> {
    if (keys.length === 0) return new Map();
    const rows = this.db.prepare(`SELECT paper_pk AS key, vector FROM paper_vectors WHERE model = ? AND paper_pk IN (${keys.map(Number).join(',')})`).all(model) as { key: number; vector: Buffer }[];
    return new Map(rows.map((r) => [r.key, fromBlob(r.vector)]));
  }

  async texts(afterKey: number, limit: number): Promise<PaperText[]> {
    return this.s.texts.all(afterKey, limit) as PaperText[];
  }
}
