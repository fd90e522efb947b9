// Vectors per paper per embedding model on PostgreSQL, as sqlite-vectors.ts keeps them on SQLite:
// the same rows, each vector the same bytes (float32, little-endian, in a bytea), so the two
// engines hold interchangeable data. A model is 'building' until every paper has its vector, and
// only a 'ready' model can become the active one.

import type { PgDb } from './pg-db.ts';
import type { PaperText, VectorModelInfo, VectorStore } from './store.ts';
import { ACTIVE_MODEL as ACTIVE, checkActivatable, fromBlob, toBlob, toModelInfo, type ModelRow } from './vector-rows.ts';

// Quoted: PostgreSQL folds unquoted names to lower case.
const TEXT_COLUMNS = 'p.pk AS key, p.id, p.title, p.abstract, p.changed_at AS "changedAt"';
const PENDING_JOIN = 'FROM papers p LEFT JOIN paper_vectors v ON v.model = $1 AND v.paper_pk = p.pk WHERE (v.paper_pk IS NULL OR v.source_changed_at <> p.changed_at)';

export class PgVectors implements VectorStore {
  constructor(private readonly db: PgDb) {}

  async models(): Promise<VectorModelInfo[]> {
    const active = (await this.db.one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [ACTIVE]))?.value;
    // Ties of created_at (two models saved in one millisecond) by name, so the order is stable.
    const rows = await this.db.many<ModelRow & { vectors: number }>(
      `SELECT m.*, (SELECT count(*) FROM paper_vectors v WHERE v.model = m.name) AS vectors FROM vector_models m ORDER BY m.created_at, m.name COLLATE "C"`,
    );
    return rows.map((r) => toModelInfo(r, active, r.vectors));
  }

  async active(): Promise<VectorModelInfo | undefined> {
    return (await this.models()).find((m) => m.active);
  }

  async saveModel(model: { name: string; dimensions: number; config: Record<string, unknown>; state: 'building' | 'ready' }): Promise<void> {
    await this.db.run(
      `INSERT INTO vector_models (name, dimensions, config, state, created_at, ready_at) VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 = 'ready' THEN $5 END)
       ON CONFLICT (name) DO UPDATE SET dimensions = excluded.dimensions, config = excluded.config, state = excluded.state, ready_at = excluded.ready_at`,
      [model.name, model.dimensions, JSON.stringify(model.config), model.state, new Date().toISOString()],
    );
  }

  async activate(name: string): Promise<void> {
    checkActivatable(await this.models(), name);
    await this.db.run('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [ACTIVE, name]);
  }

  async dropModel(name: string): Promise<void> {
    await this.db.tx(async (q) => {
      await q.run('DELETE FROM paper_vectors WHERE model = $1', [name]);
      await q.run('DELETE FROM vector_models WHERE name = $1', [name]);
      await q.run('DELETE FROM meta WHERE key = $1 AND value = $2', [ACTIVE, name]);
    });
  }

  async put(model: string, rows: { key: number; changedAt: string; vector: Float32Array }[]): Promise<void> {
    if (rows.length === 0) return;
    // One row per paper, the last given winning, as INSERT OR REPLACE row by row does: a statement's
    // ON CONFLICT DO UPDATE may not meet the same key twice.
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const list = [...byKey.values()];
    await this.db.run(
      `INSERT INTO paper_vectors (model, paper_pk, source_changed_at, vector)
       SELECT $1, * FROM unnest($2::int4[], $3::text[], $4::bytea[])
       ON CONFLICT (model, paper_pk) DO UPDATE SET source_changed_at = excluded.source_changed_at, vector = excluded.vector`,
      [model, list.map((r) => r.key), list.map((r) => r.changedAt), list.map((r) => toBlob(r.vector))],
    );
  }

  async pending(model: string, afterKey: number, limit: number): Promise<PaperText[]> {
    return this.db.many<PaperText>(`SELECT ${TEXT_COLUMNS} ${PENDING_JOIN} AND p.pk > $2 ORDER BY p.pk LIMIT $3`, [model, afterKey, limit]);
  }

  /**
   * Counted each time: SQLite's store skips the count while the file's data_version is unchanged,
   * and PostgreSQL offers no such cheap, exact mark of "nothing committed since".
   */
  async countPending(model: string): Promise<number> {
    return (await this.db.one<{ n: number }>(`SELECT count(*) AS n ${PENDING_JOIN}`, [model]))!.n;
  }

  async scan(model: string, afterKey: number, limit: number): Promise<{ key: number; vector: Float32Array }[]> {
    const rows = await this.db.many<{ key: number; vector: Buffer }>('SELECT paper_pk AS key, vector FROM paper_vectors WHERE model = $1 AND paper_pk > $2 ORDER BY paper_pk LIMIT $3', [model, afterKey, limit]);
    return rows.map((r) => ({ key: r.key, vector: fromBlob(r.vector) }));
  }

  async keys(model: string, afterKey: number, limit: number): Promise<number[]> {
    const rows = await this.db.many<{ key: number }>('SELECT paper_pk AS key FROM paper_vectors WHERE model = $1 AND paper_pk > $2 ORDER BY paper_pk LIMIT $3', [model, afterKey, limit]);
    return rows.map((r) => r.key);
  }

  async get(model: string, key: number): Promise<Float32Array | undefined> {
    const row = await this.db.one<{ vector: Buffer }>('SELECT vector FROM paper_vectors WHERE model = $1 AND paper_pk = $2', [model, key]);
    return row && fromBlob(row.vector);
  }

  async getMany(model: string, keys: number[]): Promise<Map<number, Float32Array>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.many<{ key: number; vector: Buffer }>('SELECT paper_pk AS key, vector FROM paper_vectors WHERE model = $1 AND paper_pk = ANY($2::int4[])', [model, keys.map(Number)]);
    return new Map(rows.map((r) => [r.key, fromBlob(r.vector)]));
  }

  async texts(afterKey: number, limit: number): Promise<PaperText[]> {
    return this.db.many<PaperText>(`SELECT ${TEXT_COLUMNS} FROM papers p WHERE p.pk > $1 ORDER BY p.pk LIMIT $2`, [afterKey, limit]);
  }
}
