// Nearest-neighbour search over paper vectors, three ways:
// - ExactIndex: f32, scanned in JavaScript; the yardstick that recall is measured against.
// - QuantizedIndex (the default): every vector as int8, scanned in full by usearch's SIMD kernel.
//   On 2 cores and 100k papers of 256 dimensions it answers in 1.9 ms with recall@10 1.000 after
//   re-scoring, where HNSW (f16, M=32, ef 1024) took 7.2 ms for 0.988 and a two-minute build.
//   A million papers take 256 MB and about 16 ms a query; nothing to build but the file.
// - HnswIndex: usearch's HNSW graph, f16, for hubs beyond QUANTIZED_MAX papers, where a scan of
//   every vector gets too slow.
// Each is saved to a file beside the database, so a restart does not rebuild it.

import { open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { exactSearch, Index, MetricKind, ScalarKind } from 'usearch';

export interface Neighbour {
  key: number;
  similarity: number;          // cosine, 1 = same direction
}

export interface VectorIndex {
  readonly dimensions: number;
  size(): number;
  /** Adds or replaces vectors. */
  add(keys: number[], vectors: Float32Array[]): void;
  search(vector: Float32Array, k: number): Neighbour[];
  /** The same answer, where the index can spread the work over a second thread. */
  searchAsync?(vector: Float32Array, k: number): Promise<Neighbour[]>;
  /** Stops any thread the index started. */
  close?(): Promise<void>;
  has(key: number): boolean;
  /** A paper's similarity to a vector from the index's own copy, when it keeps one it can read fast. */
  similarity?(key: number, vector: Float32Array): number | undefined;
}

/** A flat matrix scanned for every query: exact, and the yardstick for recall. */
export class ExactIndex implements VectorIndex {
  private keys: number[] = [];
  private matrix: Float32Array;
  private readonly positions = new Map<number, number>();

  constructor(readonly dimensions: number, capacity = 1024) {
    this.matrix = new Float32Array(dimensions * Math.max(1, capacity));
  }

  size(): number {
    return this.keys.length;
  }

  has(key: number): boolean {
    return this.positions.has(key);
  }

  add(keys: number[], vectors: Float32Array[]): void {
    keys.forEach((key, i) => {
      let row = this.positions.get(key);
      if (row === undefined) {
        row = this.keys.length;
        if ((row + 1) * this.dimensions > this.matrix.length) {
          const grown = new Float32Array(this.matrix.length * 2);
          grown.set(this.matrix);
          this.matrix = grown;
        }
        this.keys.push(key);
        this.positions.set(key, row);
      }
      this.matrix.set(vectors[i]!, row * this.dimensions);
    });
  }

  search(vector: Float32Array, k: number): Neighbour[] {
    if (k <= 0) return [];
    const d = this.dimensions;
    const best: Neighbour[] = [];
    for (let row = 0; row < this.keys.length; row++) {
      let dot = 0;
      const base = row * d;
      for (let j = 0; j < d; j++) dot += this.matrix[base + j]! * vector[j]!;
      if (best.length < k || dot > best[best.length - 1]!.similarity) {
        best.push({ key: this.keys[row]!, similarity: dot });
        best.sort((a, b) => b.similarity - a.similarity);
        if (best.length > k) best.pop();
      }
    }
    return best;
  }
}

/** Past this many papers the quantized scan would take over 30 ms on 2 cores, and HNSW takes over. */
export const QUANTIZED_MAX = 2_000_000;

/** Every index the meaning search can use: a VectorIndex saved to a file. */
export interface SavedIndex extends VectorIndex {
  save(path: string): Promise<void>;
}

/** Reads exactly `into.length` bytes at `position`, or says the file is cut short. */
async function readAt<T extends Uint8Array>(file: FileHandle, path: string, into: T, position: number): Promise<T> {
  for (let got = 0; got < into.length; ) {
    const { bytesRead } = await file.read(into, got, Math.min(into.length - got, 1 << 30), position + got);
    if (bytesRead === 0) throw new Error(`${path} is cut short; rebuild it with \`paperboy index build\`.`);
    got += bytesRead;
  }
  return into;
}

/**
 * Vectors as int8, one scale per dimension (its largest magnitude in the first batch, with
 * headroom; later values beyond it are clamped), scanned in full for each query. The query is
 * multiplied by the scales, so the int8 inner product ranks as the f32 one does, to rounding.
 * Similarities returned are from the dequantized vectors (about 1e-3 off); callers that need
 * exact ones re-score the best few.
 */
export class QuantizedIndex implements SavedIndex {
  private rows = 0;
  private matrix: Int8Array;
  private rowKeys: Int32Array;
  /** Row of each key (keys are paper row keys, dense integers), -1 when absent. */
  private rowOf = new Int32Array(0).fill(-1);
  private scales?: Float32Array;

  private thread?: ScanThread;
  /** Rows the scan thread holds that were replaced since it copied them: its copy is out of date. */
  private threadStale = false;
  private closed = false;
  /** From this many rows on, searchAsync scans half the rows on a second thread. */
  private readonly splitAbove: number;

  /** `largest`: each dimension's largest magnitude over the vectors to come, when known (else taken from the first batch). */
  constructor(readonly dimensions: number, capacity = 1024, largest?: Float32Array, options: QuantizedOptions = {}) {
    this.matrix = new Int8Array(dimensions * Math.max(1, capacity));
    this.rowKeys = new Int32Array(Math.max(1, capacity));
    if (largest) this.scales = scalesFrom(largest);
    this.splitAbove = options.splitAbove ?? (availableParallelism() > 1 ? SPLIT_ABOVE : Number.POSITIVE_INFINITY);
  }

  static async load(path: string, dimensions: number, options: QuantizedOptions = {}): Promise<QuantizedIndex> {
    // Read straight into the index's arrays: reading the file whole and copying it took twice as
    // long (1.1 s more at a million papers).
    const file = await open(path, 'r');
    let handedOver = false;
    try {
      const headerLength = (await readAt(file, path, Buffer.alloc(4), 0)).readUInt32LE(0);
      const header = JSON.parse((await readAt(file, path, Buffer.alloc(headerLength), 4)).toString('utf8')) as { dimensions: number; rows: number; scales: number[] | null };
      if (header.dimensions !== dimensions) throw new Error(`${path} holds ${header.dimensions}-dimensional vectors, not ${dimensions}; rebuild it with \`paperboy index build\`.`);
      const index = new QuantizedIndex(dimensions, header.rows + 1024, undefined, options);
      const keys = new Int32Array(header.rows);
      const at = 4 + headerLength + 4 * header.rows;
      await readAt(file, path, new Uint8Array(keys.buffer), 4 + headerLength);
      await readAt(file, path, new Uint8Array(index.matrix.buffer, 0, header.rows * dimensions), at);
      if (header.scales) index.scales = Float32Array.from(header.scales);
      index.rowKeys.set(keys);
      index.rows = header.rows;
      let maxKey = 0;
      for (const key of keys) if (key > maxKey) maxKey = key;
      index.growRowOf(maxKey);
      keys.forEach((key, row) => (index.rowOf[key] = row));
      // Started now, so that the first query does not wait for it; it reads its rows from this file.
      handedOver = index.scanThread({ file, rowsAt: at }) !== undefined;
      // Rows just read are slow to scan the first times (0.4 s at a million rows): scanned here
      // (while the thread reads its half), so that the first query does not pay for it.
      for (let i = 0; i < 2; i++) index.scan(new Int8Array(dimensions).fill(1), 0, index.rows, 1);
      return index;
    } finally {
      if (!handedOver) await file.close();
    }
  }

  size(): number {
    return this.rows;
  }

  has(key: number): boolean {
    return key < this.rowOf.length && this.rowOf[key]! >= 0;
  }

  add(keys: number[], vectors: Float32Array[]): void {
    if (keys.length === 0) return;
    const d = this.dimensions;
    this.scales ??= scalesFor(vectors, d);
    this.growRowOf(Math.max(...keys));
    const held = this.thread?.held ?? this.thread?.incoming; // a copy on its way goes stale too
    keys.forEach((key, i) => {
      let row = this.rowOf[key]!;
      if (row < 0) {
        row = this.rows++;
        if (this.rows > this.rowKeys.length) this.grow();
        this.rowKeys[row] = key;
        this.rowOf[key] = row;
      } else if (held && row >= held.from && row < held.to) {
        this.threadStale = true;
      }
      const v = vectors[i]!;
      const base = row * d;
      for (let j = 0; j < d; j++) this.matrix[base + j] = Math.max(-127, Math.min(127, Math.round(v[j]! / this.scales![j]!)));
    });
  }

  search(vector: Float32Array, k: number): Neighbour[] {
    const query = this.queryFor(vector);
    if (!query || k <= 0) return [];
    return this.scored(query.scaled, this.scan(query.int8, 0, this.rows, k), k);
  }

  /**
   * The same answer as search. In a large index a second thread scans the upper rows (a copy it
   * holds) while this one scans the rest: at a million papers, 8 ms instead of 16 on 2 cores.
   * usearch's own `threads` splits the queries, not the rows, so one query gains nothing from it.
   */
  async searchAsync(vector: Float32Array, k: number): Promise<Neighbour[]> {
    const query = this.queryFor(vector);
    if (!query || k <= 0) return [];
    const held = this.scanThread()?.held;
    if (!held) return this.scored(query.scaled, this.scan(query.int8, 0, this.rows, k), k);
    const far = this.thread!.scan(query.int8, Math.min(k, held.to - held.from), this.dimensions);
    const rows = [...this.scan(query.int8, 0, held.from, k), ...this.scan(query.int8, held.to, this.rows, k)];
    try {
      for (const row of await far) rows.push(held.from + Number(row));
    } catch {
      return this.search(vector, k); // the thread failed, and is not asked again
    }
    return this.scored(query.scaled, rows, k);
  }

  /** The rows a second thread scans for searchAsync, once it holds a current copy of them. */
  get threadRows(): { from: number; to: number } | undefined {
    return this.threadStale ? undefined : this.thread?.held;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.thread?.close();
  }

  /** The query in the index's scale (for similarities), and as int8 (for the scan). */
  private queryFor(vector: Float32Array): { scaled: Float32Array; int8: Int8Array } | undefined {
    if (this.rows === 0 || !this.scales) return undefined;
    const scaled = vector.map((x, j) => x * this.scales![j]!);
    let largest = 0;
    for (const x of scaled) largest = Math.max(largest, Math.abs(x));
    if (largest === 0) return undefined;
    return { scaled, int8: Int8Array.from(scaled, (x) => Math.round((x / largest) * 127)) };
  }

  /** The best k rows in [from, to) by int8 inner product. */
  private scan(query: Int8Array, from: number, to: number, k: number): number[] {
    if (to <= from) return [];
    const d = this.dimensions;
    const found = exactSearch(this.matrix.subarray(from * d, to * d), query, d, Math.min(k, to - from), MetricKind.IP, 1);
    return Array.from(found.keys as BigUint64Array, (row) => from + Number(row));
  }

  /** Candidate rows as neighbours, by their dequantized similarity, best k first. */
  private scored(scaled: Float32Array, rows: number[], k: number): Neighbour[] {
    const d = this.dimensions;
    const out: Neighbour[] = [];
    for (const r of rows) {
      let similarity = 0;
      for (let j = 0, base = r * d; j < d; j++) similarity += this.matrix[base + j]! * scaled[j]!;
      out.push({ key: this.rowKeys[r]!, similarity });
    }
    return out.sort((a, b) => b.similarity - a.similarity || a.key - b.key).slice(0, k);
  }

  /**
   * The scan thread, started once the index is large enough, with a fresh copy of the upper half
   * of the rows whenever its copy is out of date: a held row was replaced, or the rows added
   * since (scanned here) pass a tenth of the index. `held` is unset while a copy is on its way.
   */
  private scanThread(source?: { file: FileHandle; rowsAt: number }): ScanThread | undefined {
    if (this.rows < this.splitAbove || this.closed || this.thread?.failed) return undefined;
    this.thread ??= new ScanThread();
    const held = this.thread.held;
    const behind = held ? this.rows - held.to : 0;
    if (!this.thread.syncing && (!held || this.threadStale || behind > this.rows / 10)) {
      const from = Math.floor(this.rows / 2);
      if (source) this.thread.holdFromFile(source.file, source.rowsAt + from * this.dimensions, from, this.rows, this.dimensions);
      else this.thread.hold(this.matrix.slice(from * this.dimensions, this.rows * this.dimensions), from, this.rows);
      this.threadStale = false;
    }
    return this.thread;
  }

  similarity(key: number, vector: Float32Array): number | undefined {
    if (!this.has(key) || !this.scales) return undefined;
    const d = this.dimensions;
    const base = this.rowOf[key]! * d;
    let similarity = 0;
    for (let j = 0; j < d; j++) similarity += this.matrix[base + j]! * this.scales[j]! * vector[j]!;
    return similarity;
  }

  /** Written beside, then renamed over: a crash leaves the old file whole. */
  async save(path: string): Promise<void> {
    const header = Buffer.from(JSON.stringify({ dimensions: this.dimensions, rows: this.rows, scales: this.scales ? [...this.scales] : null }), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    const keys = Buffer.from(this.rowKeys.buffer, 0, this.rows * 4);
    const vectors = Buffer.from(this.matrix.buffer, 0, this.rows * this.dimensions);
    await writeFile(`${path}.tmp`, Buffer.concat([length, header, keys, vectors]));
    await rename(`${path}.tmp`, path);
  }

  private grow(): void {
    const capacity = this.rowKeys.length * 2;
    const matrix = new Int8Array(capacity * this.dimensions);
    matrix.set(this.matrix);
    this.matrix = matrix;
    const keys = new Int32Array(capacity);
    keys.set(this.rowKeys);
    this.rowKeys = keys;
  }

  private growRowOf(maxKey: number): void {
    if (maxKey < this.rowOf.length) return;
    const grown = new Int32Array(Math.max(maxKey + 1, Math.ceil(this.rowOf.length * 1.5))).fill(-1);
    grown.set(this.rowOf);
    this.rowOf = grown;
  }
}

export interface QuantizedOptions {
  /** Rows from which searchAsync splits the scan with a second thread (default SPLIT_ABOVE on 2+ cores, never on 1). */
  splitAbove?: number;
}

/** Below this many rows a scan takes under 1 ms and a second thread gains little. */
export const SPLIT_ABOVE = 50_000;

// The thread's code: plain JavaScript, so it loads without the TypeScript loader.
const SCAN_WORKER = `
const { readSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { exactSearch, MetricKind } = require(workerData.usearch);
let rows = new Int8Array(0);
parentPort.on('message', (m) => {
  if (m.rows || m.fd !== undefined) {
    if (m.rows) rows = new Int8Array(m.rows);
    else {
      rows = new Int8Array(m.length);
      for (let got = 0; got < m.length; ) {
        const n = readSync(m.fd, rows, got, m.length - got, m.position + got);
        if (n === 0) throw new Error('the index file ended early');
        got += n;
      }
      // Rows just read are slow to scan the first times (about 0.2 s at half a million rows);
      // the first query should not pay for it.
      for (let i = 0; i < 2; i++) exactSearch(rows, new Int8Array(m.dimensions).fill(1), m.dimensions, 1, MetricKind.IP, 1);
    }
    parentPort.postMessage({ held: m.held });
    return;
  }
  const found = exactSearch(rows, m.query, m.dimensions, m.k, MetricKind.IP, 1);
  parentPort.postMessage({ id: m.id, rows: found.keys });
});`;

/** A worker thread holding a copy of some rows of a QuantizedIndex, scanning them on request. */
class ScanThread {
  /** The rows [from, to) of the index that the thread's copy holds, once it has them. */
  held?: { from: number; to: number };
  /** A copy is on its way to the thread. */
  syncing = false;
  failed = false;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (rows: BigUint64Array) => void; reject: (error: Error) => void }>();
  /** The rows of the copy on its way. */
  incoming?: { from: number; to: number };
  private next = 0;
  private holding = 0;
  /** A file the thread is reading its copy from, closed once it has read it. */
  private reading?: FileHandle;

  constructor() {
    this.worker = new Worker(SCAN_WORKER, { eval: true, workerData: { usearch: createRequire(import.meta.url).resolve('usearch') } });
    this.worker.on('message', (m: { held?: number; id?: number; rows?: BigUint64Array }) => {
      if (m.held !== undefined) {
        if (m.held === this.holding) {
          this.held = this.incoming;
          this.incoming = undefined;
          this.syncing = false;
        }
        this.release();
        return;
      }
      const waiter = this.waiting.get(m.id!);
      this.waiting.delete(m.id!);
      if (this.waiting.size === 0) this.worker.unref();
      waiter?.resolve(m.rows!);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('the scan thread exited')));
    // An idle scan thread never keeps a process alive; one that a query awaits does (see scan).
    // Unref'd after the listeners are attached, as attaching them refs it again.
    this.worker.unref();
  }

  /** Sends the thread its new rows (moved, not copied again); until it has them, none are held. */
  hold(rows: Int8Array, from: number, to: number): void {
    this.expect(from, to);
    this.worker.postMessage({ rows: rows.buffer, held: this.holding }, [rows.buffer as ArrayBuffer]);
  }

  /** Has the thread read rows [from, to) from an open index file (kept open until it has). */
  holdFromFile(file: FileHandle, position: number, from: number, to: number, dimensions: number): void {
    this.expect(from, to);
    this.reading = file;
    this.worker.postMessage({ fd: file.fd, position, length: (to - from) * dimensions, dimensions, held: this.holding });
  }

  /** The best k of the held rows, as positions within them. */
  scan(query: Int8Array, k: number, dimensions: number): Promise<BigUint64Array> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref(); // else a process with nothing else to do would end mid-query
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, query, k, dimensions });
    });
  }

  async close(): Promise<void> {
    this.failed = true;
    await this.worker.terminate();
    this.release();
  }

  private expect(from: number, to: number): void {
    this.held = undefined;
    this.syncing = true;
    this.incoming = { from, to };
    this.holding++;
  }

  private release(): void {
    void this.reading?.close().catch(() => undefined);
    this.reading = undefined;
  }

  private fail(error: Error): void {
    this.failed = true;
    this.release();
    this.held = undefined;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** Each dimension's largest magnitude over some vectors. */
export function largestMagnitudes(vectors: Iterable<Float32Array>, d: number, into = new Float32Array(d)): Float32Array {
  for (const v of vectors) for (let j = 0; j < d; j++) into[j] = Math.max(into[j]!, Math.abs(v[j]!));
  return into;
}

/** Per-dimension scale: the largest magnitude, with headroom for papers added later, over 127. */
function scalesFrom(largest: Float32Array): Float32Array {
  return largest.map((x) => ((x > 0 ? x : 1) * SCALE_HEADROOM) / 127);
}

function scalesFor(vectors: Float32Array[], d: number): Float32Array {
  return scalesFrom(largestMagnitudes(vectors, d));
}

const SCALE_HEADROOM = 1.1;

export interface HnswOptions {
  connectivity?: number;       // edges per node (M)
  expansionAdd?: number;       // candidate list while building (efConstruction)
  expansionSearch?: number;    // candidate list while searching (ef)
}

// Short queries land far from every paper, where a sparse graph loses its way: on 100k generated
// papers (bench:search) M=16, ef 128/512 found 0.864 of the exact top 10; M=32, ef 256/1024 found
// 0.989, for a build 3× slower (122 s) and 7 ms more a query.
export const HNSW_DEFAULTS: Required<HnswOptions> = { connectivity: 32, expansionAdd: 256, expansionSearch: 1024 };

/** HNSW graph (usearch). Keys are paper row keys. */
export class HnswIndex implements SavedIndex {
  private readonly index: Index;

  constructor(readonly dimensions: number, options: HnswOptions = {}) {
    const o = { ...HNSW_DEFAULTS, ...options };
    this.index = new Index({
      dimensions,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F16,
      connectivity: o.connectivity,
      expansion_add: o.expansionAdd,
      expansion_search: o.expansionSearch,
      multi: false,
    });
  }

  static load(path: string, dimensions: number, options: HnswOptions = {}): HnswIndex {
    const index = new HnswIndex(dimensions, options);
    index.index.load(path);
    if (index.index.dimensions() !== dimensions) throw new Error(`${path} holds ${index.index.dimensions()}-dimensional vectors, not ${dimensions}; rebuild it with \`paperboy index build\`.`);
    return index;
  }

  size(): number {
    return this.index.size();
  }

  has(key: number): boolean {
    return this.index.contains(BigInt(key)) as boolean;
  }

  add(keys: number[], vectors: Float32Array[]): void {
    if (keys.length === 0) return;
    const replaced = keys.filter((k) => this.has(k));
    if (replaced.length > 0) this.index.remove(BigUint64Array.from(replaced.map(BigInt)));
    const flat = new Float32Array(keys.length * this.dimensions);
    vectors.forEach((v, i) => flat.set(v, i * this.dimensions));
    this.index.add(BigUint64Array.from(keys.map(BigInt)), flat, 0);
  }

  search(vector: Float32Array, k: number): Neighbour[] {
    if (this.size() === 0) return [];
    const m = this.index.search(vector, k, 1);
    const out: Neighbour[] = [];
    for (let i = 0; i < m.keys.length; i++) out.push({ key: Number(m.keys[i]), similarity: 1 - m.distances[i]! });
    return out;
  }

  /** Written beside, then renamed over: a crash leaves the old file whole. */
  async save(path: string): Promise<void> {
    this.index.save(`${path}.tmp`);
    await rename(`${path}.tmp`, path);
  }
}
