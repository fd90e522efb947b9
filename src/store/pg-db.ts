// The PostgreSQL connection every part of the PostgreSQL store shares: a pool, queries that return
// rows, and transactions that are retried when PostgreSQL gives up on one (a serialization failure
// or a deadlock), so callers see what SQLite's single writer gives them: it happened, or it did not.
import pg from 'pg';

// Counts and sums come back as int8; every one this hub keeps fits a double exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** What a query runs on: the pool, or one transaction's client. */
export interface Queryable {
  many<R>(text: string, values?: unknown[]): Promise<R[]>;
  one<R>(text: string, values?: unknown[]): Promise<R | undefined>;
  /** Rows changed. */
  run(text: string, values?: unknown[]): Promise<number>;
}

/** SQLSTATEs after which the whole transaction may simply be tried again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    many: async <R>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows as R[],
    one: async <R>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0] as R | undefined,
    run: async (text: string, values: unknown[] = []) => (await client.query(text, values)).rowCount ?? 0,
  };
}

export class PgDb implements Queryable {
  private readonly q: Queryable;

  constructor(readonly pool: pg.Pool) {
    this.q = queryable(pool);
  }

  many<R>(text: string, values?: unknown[]): Promise<R[]> {
    return this.q.many<R>(text, values);
  }

  one<R>(text: string, values?: unknown[]): Promise<R | undefined> {
    return this.q.one<R>(text, values);
  }

  run(text: string, values?: unknown[]): Promise<number> {
    return this.q.run(text, values);
  }

  /**
   * Runs `work` in one transaction on one connection and commits; rolls back on any error. A
   * serialization failure or deadlock runs `work` again from the start (so it must not have side
   * effects outside the database).
   */
  async tx<T>(work: (q: Queryable) => Promise<T>, options: { isolation?: 'read committed' | 'repeatable read' | 'serializable' } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${(options.isolation ?? 'read committed').toUpperCase()}`);
        const result = await work(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        const code = (error as { code?: string }).code;
        if (!(code && RETRYABLE.has(code)) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      } finally {
        client.release();
      }
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export interface PgOptions {
  /** A schema of its own (created when missing): tests give each store one; a hub uses public. */
  schema?: string;
  /** Connections in the pool (PAPERBOY_DATABASE_POOL); default 10. */
  max?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A pool on `url`, its search_path set to `schema` (made if missing) when one is given. */
export async function connectPostgres(url: string, options: PgOptions = {}): Promise<PgDb> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`A schema name is lowercase letters, digits and _ (got ${JSON.stringify(schema)}).`);
  if (schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // public stays on the path for extensions (citext) installed there.
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new PgDb(pool);
  await db.one('SELECT 1');
  return db;
}

/** One statement on a connection of its own, outside any pool (CREATE and DROP DATABASE cannot run in a transaction). */
export async function postgresStatement(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
