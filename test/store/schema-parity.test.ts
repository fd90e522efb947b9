// One numbered list of migrations for both engines: after the last step, SQLite and PostgreSQL have
// the same tables with the same columns, each as nullable and with the same kind of value. SQLite's
// FTS5 tables (and their shadow tables) are its own keyword index and have no twin; nor has
// PostgreSQL's full-text column (tsvector), which is its own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { connectPostgres } from '../../src/store/pg-db.ts';
import { migratePostgres, PG_MIGRATIONS } from '../../src/store/pg-migrations.ts';
import { POSTGRES } from '../helpers/engines.ts';

type Shape = Map<string, Map<string, { nullable: boolean; kind: string }>>;

/** SQLite's declared types and PostgreSQL's data types, sorted into what a column holds. */
function kindOf(type: string): string {
  const t = type.toLowerCase();
  if (/int/.test(t)) return 'integer';
  if (/blob|bytea/.test(t)) return 'bytes';
  if (/real|double|float/.test(t)) return 'real';
  return 'text'; // text, citext (USER-DEFINED), and SQLite's untyped columns
}

const OWN_TO_SQLITE = /(_fts|_fts_.*|sqlite_.*)$/;

async function sqliteShape(): Promise<Shape> {
  // A fresh in-memory database, taken through the same steps the store takes its file through.
  const db = new BetterSqlite3(':memory:');
  for (const step of MIGRATIONS) db.exec(step);
  const shape: Shape = new Map();
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  for (const table of tables.filter((t) => !OWN_TO_SQLITE.test(t))) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string; notnull: number; pk: number }[];
    // A single-column INTEGER PRIMARY KEY is NOT NULL in effect, though SQLite reports notnull = 0.
    shape.set(table, new Map(columns.map((c) => [c.name, { nullable: c.notnull === 0 && c.pk === 0, kind: kindOf(c.type) }])));
  }
  db.close();
  return shape;
}

async function postgresShape(url: string): Promise<Shape> {
  const schema = `parity_${randomBytes(4).toString('hex')}`;
  const db = await connectPostgres(url, { schema });
  try {
    await migratePostgres(db);
    const rows = await db.many<{ table_name: string; column_name: string; is_nullable: string; data_type: string; udt_name: string }>(
      'SELECT table_name, column_name, is_nullable, data_type, udt_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
      [schema],
    );
    const shape: Shape = new Map();
    // PostgreSQL's full-text column (papers.search_vector, step 11) is its twin of SQLite's FTS5
    // tables, which are left out above: each engine's own keyword index, not a column both share.
    for (const r of rows.filter((r) => r.table_name !== 'schema_version' && r.udt_name !== 'tsvector')) {
      if (!shape.has(r.table_name)) shape.set(r.table_name, new Map());
      shape.get(r.table_name)!.set(r.column_name, { nullable: r.is_nullable === 'YES', kind: kindOf(r.data_type === 'USER-DEFINED' ? r.udt_name : r.data_type) });
    }
    return shape;
  } finally {
    await db.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  }
}

describe('one schema, two engines', () => {
  test('every step has a PostgreSQL twin', () => {
    assert.equal(PG_MIGRATIONS.length, MIGRATIONS.length);
  });

  test('after the last step the tables and columns agree', { skip: POSTGRES.skip }, async () => {
    const [lite, post] = [await sqliteShape(), await postgresShape(process.env.PAPERBOY_TEST_POSTGRES_URL!)];
    assert.deepEqual([...post.keys()].sort(), [...lite.keys()].sort(), 'the same tables');
    for (const [table, columns] of lite) {
      assert.deepEqual(Object.fromEntries([...post.get(table)!].sort()), Object.fromEntries([...columns].sort()), `the columns of ${table}`);
    }
  });

  test('two processes migrating one database at once take turns', { skip: POSTGRES.skip }, async () => {
    const url = process.env.PAPERBOY_TEST_POSTGRES_URL!;
    const schema = `race_${randomBytes(4).toString('hex')}`;
    const [a, b] = [await connectPostgres(url, { schema }), await connectPostgres(url, { schema })];
    try {
      await Promise.all([migratePostgres(a), migratePostgres(b)]);
      assert.equal((await a.one<{ version: number }>('SELECT version FROM schema_version'))?.version, PG_MIGRATIONS.length);
      assert.equal((await a.one<{ n: number }>('SELECT count(*) AS n FROM schema_version'))?.n, 1);
    } finally {
      await a.close();
      await b.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
  });
});
