// Copies a whole hub from a SQLite file into a PostgreSQL database, and checks the copy.
//
// Generic over the schema: the tables are read from the SQLite file (PRAGMA table_list, skipping
// FTS5's virtual tables and their shadow tables) and the columns of each from PRAGMA table_info, so
// a table added by a later migration is copied without a change here. The two schemas come from one
// numbered list of steps (migrations.ts / pg-migrations.ts), so each SQLite table has a PostgreSQL
// twin with the same columns; the PostgreSQL side's own extras are generated columns
// (papers.search_vector), which fill themselves in.
//
// Safety:
// - One PostgreSQL transaction for everything: the target's tables are locked, found empty (or
//   emptied with `replace`), filled table by table, read back and compared, and only then committed.
//   A crash, a kill, a lost connection or a checksum mismatch before the commit leaves the target
//   exactly as it was; there is never a half-copied hub that looks complete.
// - The source is read in one SQLite read transaction: one consistent snapshot, even if a process
//   is still writing to it (what it writes after the start is not copied).
// - Rows go in in foreign-key order (parents' tables first, from PRAGMA foreign_key_list). A table
//   that refers to itself (comments' replies, merged papers) has those columns filled in after its
//   rows are in, for the rows that point at a row not yet inserted: PostgreSQL's constraints are
//   not deferrable here, and switching them off takes a superuser.
//
// Not copied: the impact-ordered keyword index (keyword_generations, keyword_postings). It is made
// of each engine's own vocabulary (FTS5's porter tokens on SQLite, papers.search_vector's lexemes on
// PostgreSQL), so SQLite's copy would answer PostgreSQL's queries with the wrong words; the caller
// builds a fresh generation on the target after the commit (store.keywordIndex.build()).
//
// Checksums: per table, sha256 over every row in primary-key order (SQLite's rowid order, which is
// PostgreSQL's ctid order after the copy, for the two tables without a key), each value tagged with
// its kind (integer, real, text, bytes) so that 1 and '1' differ. Text keys are ordered by their
// bytes on both sides (COLLATE BINARY / COLLATE "C"), so the two orders agree.
import { createHash, type Hash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import { MIGRATIONS } from './migrations.ts';
import { PG_MIGRATIONS } from './pg-migrations.ts';
import type { PgDb } from './pg-db.ts';

/** The keyword index's tables: engine-specific, rebuilt on the target instead of copied. */
export const REBUILT_TABLES = ['keyword_generations', 'keyword_postings'];
/** PostgreSQL's own bookkeeping, not part of the hub's data. */
const TARGET_ONLY = new Set(['schema_version']);
/** Rows per INSERT (one array parameter per column) and per FETCH when reading back. */
const DEFAULT_BATCH = 1_000;
/** How long the copy waits for another process's lock on a target table before giving up. */
const LOCK_TIMEOUT = '10s';

/** A problem with the source or target that the user can fix; the CLI prints it as one line. */
export class CopyError extends Error {}

type Kind = 'int' | 'float' | 'bool' | 'bytes' | 'text';

interface Column {
  name: string;
  /** Its type on PostgreSQL, as format_type() writes it (integer, text, public.citext, bytea…). */
  pgType: string;
  kind: Kind;
  identity: boolean;
}

export interface TablePlan {
  name: string;
  columns: Column[];
  /** The primary key's columns in key order; empty for a table without one (then: rowid order). */
  key: string[];
  /** Nullable columns referring to this table's own rows, filled in after the rows are in. */
  selfRefs: { column: string; to: string }[];
}

export interface CopyPlan {
  /** In foreign-key order: every table comes after the tables it refers to. */
  tables: TablePlan[];
  /** Present on both sides, rebuilt rather than copied. */
  rebuilt: string[];
  /** The SQLite tables left out: FTS5 indexes and their shadow tables (PostgreSQL has search_vector). */
  skipped: string[];
}

export interface TableCheck {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceSum: string;
  targetSum: string;
  ok: boolean;
  /** Copying (reading, converting, inserting) and reading back, in seconds. */
  copySeconds?: number;
  verifySeconds: number;
}

export interface CopyOptions {
  /** Empty a target that holds rows, in the same transaction as the copy; without it such a target is refused. */
  replace?: boolean;
  batchSize?: number;
  /** Rows copied so far of a table (for a progress bar). */
  onProgress?: (table: string, done: number, total: number) => void;
  /** A table copied and compared. */
  onTable?: (check: TableCheck) => void;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

function kindOf(pgType: string): Kind {
  if (/^(smallint|integer|bigint)$/.test(pgType)) return 'int';
  if (/^(real|double precision|numeric.*)$/.test(pgType)) return 'float';
  if (pgType === 'boolean') return 'bool';
  if (pgType === 'bytea') return 'bytes';
  return 'text';
}

/** Opens the source read-only and refuses one that is not at this Paperboy's latest schema. */
export function openSource(path: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== MIGRATIONS.length) {
    db.close();
    throw new CopyError(
      version > MIGRATIONS.length
        ? `${path} was written by a newer Paperboy (schema ${version}, this one knows ${MIGRATIONS.length}); upgrade Paperboy`
        : `${path} is at schema ${version}, not the latest (${MIGRATIONS.length}); run any paperboy command on it first (e.g. PAPERBOY_DB=${path} paperboy stats) to migrate it`,
    );
  }
  return db;
}

/** The target's schema version (migratePostgres brings it to the latest; a read-only check must find it there). */
export async function targetVersion(target: PgDb): Promise<number | undefined> {
  const exists = await target.one<{ t: string | null }>("SELECT to_regclass('schema_version')::text AS t");
  if (!exists?.t) return undefined;
  return (await target.one<{ version: number }>('SELECT version FROM schema_version'))?.version;
}

/**
 * Which tables to copy, with their columns and PostgreSQL types, in foreign-key order. Refuses
 * schemas that do not match (a table or column on one side only), and a source whose foreign keys
 * point at rows that are not there (PostgreSQL would refuse the copy half-way).
 */
export async function planCopy(source: BetterSqlite3.Database, target: PgDb): Promise<CopyPlan> {
  const version = await targetVersion(target);
  if (version !== PG_MIGRATIONS.length) {
    throw new CopyError(`the PostgreSQL database is at schema ${version ?? 'none'}, not the latest (${PG_MIGRATIONS.length}); open it with any paperboy command first`);
  }
  const listed = source.prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string; type: string }[];
  const skipped = listed.filter((t) => t.type !== 'table').map((t) => t.name);
  const names = listed.filter((t) => t.type === 'table').map((t) => t.name);

  const targetTables = new Set(
    (await target.many<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).map((r) => r.name),
  );
  const missing = names.filter((n) => !targetTables.has(n));
  const extra = [...targetTables].filter((n) => !TARGET_ONLY.has(n) && !names.includes(n));
  if (missing.length || extra.length) {
    throw new CopyError(`the two databases' tables differ (${[missing.length ? `only in SQLite: ${missing.join(', ')}` : '', extra.length ? `only in PostgreSQL: ${extra.join(', ')}` : ''].filter(Boolean).join('; ')}); are both from this version of Paperboy?`);
  }

  const violations = source.prepare('SELECT "table", rowid, parent FROM pragma_foreign_key_check LIMIT 5').all() as { table: string; rowid: number; parent: string }[];
  if (violations.length > 0) {
    throw new CopyError(`the SQLite file has rows whose foreign keys point at missing rows (${violations.map((v) => `${v.table} row ${v.rowid} → ${v.parent}`).join(', ')}); PostgreSQL would refuse them. Fix or delete those rows first (PRAGMA foreign_key_check lists them all)`);
  }

  const plans = new Map<string, TablePlan>();
  const parents = new Map<string, Set<string>>();
  for (const name of names) {
    const info = source.prepare('SELECT name, pk, "notnull" AS "notNull" FROM pragma_table_info(?) ORDER BY cid').all(name) as { name: string; pk: number; notNull: number }[];
    const pgColumns = await target.many<{ name: string; type: string; generated: string; identity: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attgenerated AS generated, attidentity AS identity
       FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [quote(name)],
    );
    const byName = new Map(pgColumns.map((c) => [c.name, c]));
    const absent = info.filter((c) => !byName.has(c.name)).map((c) => c.name);
    const extraColumns = pgColumns.filter((c) => c.generated === '' && !info.some((i) => i.name === c.name)).map((c) => c.name);
    if (absent.length || extraColumns.length) {
      throw new CopyError(`the columns of ${name} differ (${[absent.length ? `only in SQLite: ${absent.join(', ')}` : '', extraColumns.length ? `only in PostgreSQL: ${extraColumns.join(', ')}` : ''].filter(Boolean).join('; ')})`);
    }
    const columns = info.map((c) => {
      const p = byName.get(c.name)!;
      if (p.generated !== '') throw new CopyError(`${name}.${c.name} is generated on PostgreSQL but stored on SQLite`);
      return { name: c.name, pgType: p.type, kind: kindOf(p.type), identity: p.identity !== '' };
    });
    const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const fks = source.prepare('SELECT "table" AS parent, "from" AS column, "to" AS target FROM pragma_foreign_key_list(?)').all(name) as { parent: string; column: string; target: string | null }[];
    const selfRefs: TablePlan['selfRefs'] = [];
    const tableParents = new Set<string>();
    for (const fk of fks) {
      if (fk.parent !== name) {
        tableParents.add(fk.parent);
        continue;
      }
      const nullable = info.find((c) => c.name === fk.column)!.notNull === 0;
      // A NOT NULL self-reference cannot be filled in later; parent-first key order is all there is.
      if (nullable && key.length === 1) selfRefs.push({ column: fk.column, to: fk.target ?? key[0]! });
    }
    parents.set(name, tableParents);
    plans.set(name, { name, columns, key, selfRefs });
  }

  // Kahn's algorithm; ties by name, so the order (and the report) is the same on every run.
  const ordered: TablePlan[] = [];
  const done = new Set<string>();
  const copyable = names.filter((n) => !REBUILT_TABLES.includes(n));
  while (ordered.length < copyable.length) {
    const next = copyable.find((n) => !done.has(n) && [...parents.get(n)!].every((p) => done.has(p) || !copyable.includes(p)));
    if (!next) throw new CopyError(`the foreign keys between ${copyable.filter((n) => !done.has(n)).join(', ')} form a cycle; they cannot be copied table by table`);
    done.add(next);
    ordered.push(plans.get(next)!);
  }
  return { tables: ordered, rebuilt: REBUILT_TABLES.filter((n) => names.includes(n)), skipped };
}

/** The source's rows in checksum order: the key (by bytes for text), else rowid. */
function sourceRows(source: BetterSqlite3.Database, table: TablePlan): IterableIterator<unknown[]> {
  const order = table.key.length > 0 ? table.key.map((k) => `${quote(k)} COLLATE BINARY`).join(', ') : 'rowid';
  return source
    .prepare(`SELECT ${table.columns.map((c) => quote(c.name)).join(', ')} FROM ${quote(table.name)} ORDER BY ${order}`)
    .raw(true)
    .safeIntegers(true)
    .iterate() as IterableIterator<unknown[]>;
}

/** The target's rows in the same order: text keys by their bytes, else physical order. */
function targetQuery(table: TablePlan): string {
  const order = table.key.length > 0
    ? table.key.map((k) => {
        const c = table.columns.find((col) => col.name === k)!;
        return c.kind === 'text' ? `${quote(k)}::text COLLATE "C"` : quote(k);
      }).join(', ')
    : 'ctid';
  return `SELECT ${table.columns.map((c) => quote(c.name)).join(', ')} FROM ${quote(table.name)} ORDER BY ${order}`;
}

/**
 * A SQLite value as PostgreSQL's column takes it. Integers stay integers (booleans are INTEGER
 * columns on both sides), BLOBs are Buffers for bytea, text stays text. Anything that cannot go
 * over unchanged is refused, naming the row, rather than guessed at.
 */
function toTarget(value: unknown, column: Column, where: () => string): unknown {
  if (value === null) return null;
  switch (column.kind) {
    case 'int':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      break;
    case 'float':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      break;
    case 'bool':
      if (typeof value === 'bigint') return value !== 0n;
      break;
    case 'bytes':
      if (Buffer.isBuffer(value)) return value;
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      break;
    case 'text':
      if (typeof value === 'string') return value;
      if (typeof value === 'bigint' || typeof value === 'number') return String(value);
      break;
  }
  const shown = Buffer.isBuffer(value) ? `${value.length} bytes` : JSON.stringify(String(value)).slice(0, 60);
  throw new CopyError(`${where()}: ${column.name} holds ${shown}, which a PostgreSQL ${column.pgType} column cannot take unchanged; correct that row in the SQLite file and run again`);
}

/** A value tagged with its kind, the same for a value read from either side. */
function normal(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return `i${value}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `i${value}` : `r${value}`;
  if (typeof value === 'boolean') return value ? 'i1' : 'i0';
  if (typeof value === 'string') return `s${value}`;
  if (Buffer.isBuffer(value)) return `b${value.toString('base64')}`;
  throw new Error(`Cannot checksum a ${typeof value}`);
}

class RowHash {
  rows = 0;
  private readonly hash: Hash = createHash('sha256');
  add(row: unknown[]): void {
    this.hash.update(JSON.stringify(row.map(normal)));
    this.hash.update('\n');
    this.rows++;
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Rows of the target as one cursor streams them, `batch` at a time (the transaction must be open). */
async function hashTarget(client: pg.PoolClient, table: TablePlan, batch: number): Promise<RowHash> {
  const hash = new RowHash();
  const cursor = `copy_check_${table.name}`;
  await client.query(`DECLARE ${quote(cursor)} NO SCROLL CURSOR FOR ${targetQuery(table)}`);
  for (;;) {
    const { rows } = await client.query({ text: `FETCH ${batch} FROM ${quote(cursor)}`, rowMode: 'array' });
    for (const row of rows as unknown[][]) hash.add(row);
    if (rows.length < batch) break;
  }
  await client.query(`CLOSE ${quote(cursor)}`);
  return hash;
}

function hashSource(source: BetterSqlite3.Database, table: TablePlan): RowHash {
  const hash = new RowHash();
  let n = 0;
  for (const row of sourceRows(source, table)) {
    n++;
    hash.add(row.map((v, i) => toTarget(v, table.columns[i]!, () => `${table.name} row ${n}`)));
  }
  return hash;
}

/** How many rows each hub table of the target holds, for the tables that hold any. */
async function occupied(q: pg.PoolClient, names: string[]): Promise<{ table: string; rows: number }[]> {
  const found: { table: string; rows: number }[] = [];
  for (const name of names) {
    const { rows } = await q.query(`SELECT count(*)::int AS n FROM ${quote(name)}`);
    if (rows[0].n > 0) found.push({ table: name, rows: rows[0].n });
  }
  return found;
}

/**
 * Copies every table of the plan into the target in one transaction, compares each table's count
 * and checksum, and commits only if all match; otherwise rolls back and reports the comparison
 * (every check has ok false for the tables that differ). Returns the checks in plan order.
 */
export async function copyHub(source: BetterSqlite3.Database, target: PgDb, plan: CopyPlan, options: CopyOptions = {}): Promise<{ checks: TableCheck[]; committed: boolean }> {
  const batch = options.batchSize ?? DEFAULT_BATCH;
  const all = [...plan.tables.map((t) => t.name), ...plan.rebuilt];
  const client = await target.pool.connect();
  const checks: TableCheck[] = [];
  /** The table being copied, to say where a failure happened. */
  let current: string | undefined;
  // One snapshot of the source for the whole copy: a read transaction starts at its first read.
  source.exec('BEGIN');
  try {
    source.prepare('SELECT count(*) FROM sqlite_master').get();
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    try {
      // No other process may write (or read half a copy) until the commit.
      await client.query(`LOCK TABLE ${all.map(quote).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') {
        throw new CopyError(`another process is using the PostgreSQL database (its tables stayed locked for ${LOCK_TIMEOUT}); stop the hub's paperboy processes on it and run again`);
      }
      throw error;
    }
    const held = await occupied(client, all);
    if (held.length > 0) {
      if (!options.replace) {
        throw new CopyError(
          `the PostgreSQL database already holds a hub (${held.find((h) => h.table === 'papers')?.rows ?? 0} papers; rows in ${held.length} tables: ${held.slice(0, 6).map((h) => `${h.table} ${h.rows}`).join(', ')}${held.length > 6 ? ', …' : ''}); ` +
            'run again with --replace to delete what it holds and copy the SQLite hub in its place (in one transaction: until it commits, the old rows stay), or give an empty database',
        );
      }
      await client.query(`TRUNCATE ${all.map(quote).join(', ')} RESTART IDENTITY`);
    }

    for (const table of plan.tables) {
      current = table.name;
      const started = performance.now();
      const total = (source.prepare(`SELECT count(*) FROM ${quote(table.name)}`).pluck().get() as number);
      const sourceHash = new RowHash();
      const cols = table.columns;
      const insert = `INSERT INTO ${quote(table.name)} (${cols.map((c) => quote(c.name)).join(', ')})
        SELECT * FROM unnest(${cols.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ')})`;
      const selfIndex = table.selfRefs.map((r) => ({ ...r, at: cols.findIndex((c) => c.name === r.column), toAt: cols.findIndex((c) => c.name === r.to) }));
      const keyAt = table.key.length === 1 ? cols.findIndex((c) => c.name === table.key[0]) : -1;
      const later = selfIndex.map(() => ({ keys: [] as unknown[], values: [] as unknown[] }));
      let arrays: unknown[][] = cols.map(() => []);
      let inBatch = 0;
      let done = 0;
      const size = Math.max(1, batch);
      const flush = async () => {
        if (inBatch === 0) return;
        await client.query(insert, arrays);
        done += inBatch;
        options.onProgress?.(table.name, done, total);
        arrays = cols.map(() => []);
        inBatch = 0;
      };
      for (const raw of sourceRows(source, table)) {
        const n = done + inBatch + 1;
        const row = raw.map((v, i) => toTarget(v, cols[i]!, () => `${table.name} row ${n}${keyAt >= 0 ? ` (${table.key[0]} ${raw[keyAt]})` : ''}`));
        sourceHash.add(row);
        for (const [j, ref] of selfIndex.entries()) {
          const value = row[ref.at];
          // Rows go in by key, so a reference to a smaller key is already there; the rest wait.
          if (value !== null && !(ref.toAt === keyAt && (value as bigint) < (row[keyAt] as bigint))) {
            later[j]!.keys.push(row[keyAt]);
            later[j]!.values.push(value);
            row[ref.at] = null;
          }
        }
        for (let i = 0; i < cols.length; i++) arrays[i]!.push(row[i]);
        if (++inBatch >= size) await flush();
      }
      await flush();
      for (const [j, ref] of selfIndex.entries()) {
        const { keys, values } = later[j]!;
        const keyColumn = cols[keyAt]!;
        const refColumn = cols[ref.at]!;
        for (let at = 0; at < keys.length; at += size) {
          await client.query(
            `UPDATE ${quote(table.name)} AS t SET ${quote(ref.column)} = v.value
             FROM unnest($1::${keyColumn.pgType}[], $2::${refColumn.pgType}[]) AS v(key, value) WHERE t.${quote(keyColumn.name)} = v.key`,
            [keys.slice(at, at + size), values.slice(at, at + size)],
          );
        }
      }
      const copied = performance.now();
      const targetHash = await hashTarget(client, table, batch);
      const check = finish(table.name, sourceHash, targetHash, (copied - started) / 1000, (performance.now() - copied) / 1000);
      checks.push(check);
      options.onTable?.(check);
    }

    if (checks.some((c) => !c.ok)) {
      await client.query('ROLLBACK');
      return { checks, committed: false };
    }
    current = undefined;
    await resetSequences(client, plan);
    await client.query('COMMIT');
    return { checks, committed: true };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if (current === undefined) throw error;
    const message = (error as Error).message.replace(/\.$/, '');
    throw new CopyError(`copying ${current} failed: ${message}. Nothing was committed: the PostgreSQL database is as it was`);
  } finally {
    client.release();
    source.exec('COMMIT');
  }
}

function finish(table: string, source: RowHash, target: RowHash, copySeconds: number | undefined, verifySeconds: number): TableCheck {
  const sourceSum = source.digest();
  const targetSum = target.digest();
  return { table, sourceRows: source.rows, targetRows: target.rows, sourceSum, targetSum, ok: source.rows === target.rows && sourceSum === targetSum, copySeconds, verifySeconds };
}

/**
 * Every identity column continues after the largest key copied (or after the largest SQLite ever
 * handed out, for an AUTOINCREMENT table), so the target's next paper, user or comment gets a
 * fresh key instead of colliding with a copied one.
 */
async function resetSequences(client: pg.PoolClient, plan: CopyPlan): Promise<void> {
  for (const table of plan.tables) {
    for (const column of table.columns.filter((c) => c.identity)) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quote(column.name)}) FROM ${quote(table.name)}), 0) + 1, false)`,
        [quote(table.name), column.name],
      );
    }
  }
}

/**
 * Compares the target with the source without writing anything: counts and checksums per table,
 * each side read in one snapshot. The target should not have been used since the copy (the hub's
 * own writes are differences too).
 */
export async function verifyHub(source: BetterSqlite3.Database, target: PgDb, plan: CopyPlan, options: { batchSize?: number; onTable?: (check: TableCheck) => void } = {}): Promise<TableCheck[]> {
  const batch = options.batchSize ?? DEFAULT_BATCH;
  const client = await target.pool.connect();
  const checks: TableCheck[] = [];
  source.exec('BEGIN');
  try {
    source.prepare('SELECT count(*) FROM sqlite_master').get();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const table of plan.tables) {
      const started = performance.now();
      const sourceHash = hashSource(source, table);
      const targetHash = await hashTarget(client, table, batch);
      const check = finish(table.name, sourceHash, targetHash, undefined, (performance.now() - started) / 1000);
      checks.push(check);
      options.onTable?.(check);
    }
    await client.query('COMMIT');
    return checks;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
    source.exec('COMMIT');
  }
}
