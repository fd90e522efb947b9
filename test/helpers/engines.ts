// The store conformance suite runs every store test on each engine: a real SQLite file, and a real
// PostgreSQL server when PAPERBOY_TEST_POSTGRES_URL names one (bash .ci/run starts a throwaway
// cluster and sets it). Without it the PostgreSQL half skips itself and says so.
//
// Usage in a test file:
//   for (const engine of ENGINES) describe(`accounts (${engine.name})`, { skip: engine.skip }, () => { ... engine.open() ... });
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import type { Store } from '../../src/store/store.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

export const POSTGRES_URL = process.env.PAPERBOY_TEST_POSTGRES_URL;

export interface Engine {
  name: 'sqlite' | 'postgres';
  /** A skip message when this engine is not available here; false when it is. */
  skip: string | false;
  /** A fresh, empty, migrated store of its own (closed after the test file). */
  open(): Promise<Store>;
  /**
   * Another store on the same database as `store` (a second process would open one): for tests of
   * what two processes see. `store` must come from this engine's open().
   */
  reopen(store: Store): Promise<Store>;
}

let skipNoted = false;
function postgresSkip(): string | false {
  if (POSTGRES_URL) return false;
  const message = 'SKIPPED on PostgreSQL: set PAPERBOY_TEST_POSTGRES_URL to a server to run this on PostgreSQL too (bash .ci/run starts one)';
  if (!skipNoted) console.warn(message);
  skipNoted = true;
  return message;
}

const opened: Store[] = [];
const where = new WeakMap<Store, string>();
const schemas: string[] = [];
let tempDir: string | undefined;
let fileNo = 0;

after(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => {});
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  if (schemas.length > 0 && POSTGRES_URL) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
});

async function kept(store: Store, location: string): Promise<Store> {
  opened.push(store);
  where.set(store, location);
  return store;
}

export const SQLITE: Engine = {
  name: 'sqlite',
  skip: false,
  async open() {
    tempDir ??= mkdtempSync(join(tmpdir(), 'paperboy-engine-'));
    const path = join(tempDir, `store${++fileNo}.db`);
    return kept(await openSqliteStore(path), path);
  },
  async reopen(store) {
    const path = where.get(store);
    if (!path) throw new Error('reopen() takes a store this engine opened');
    return kept(await openSqliteStore(path), path);
  },
};

export const POSTGRES: Engine = {
  name: 'postgres',
  skip: postgresSkip(),
  async open() {
    const { openPostgresStore } = await import('../../src/store/postgres.ts');
    // A schema per store: as isolated as a database of its own, and much quicker to make.
    const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    return kept(await openPostgresStore(POSTGRES_URL!, { schema }), schema);
  },
  async reopen(store) {
    const { openPostgresStore } = await import('../../src/store/postgres.ts');
    const schema = where.get(store);
    if (!schema) throw new Error('reopen() takes a store this engine opened');
    return kept(await openPostgresStore(POSTGRES_URL!, { schema }), schema);
  },
};

export const ENGINES: Engine[] = [SQLITE, POSTGRES];

