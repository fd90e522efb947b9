// Nearest-neighbour search over paper vectors. Exact search is a scan (fine for a few thousand
// papers, and the baseline the approximate index is measured against); the approximate index is
// HNSW from usearch, storing f16 (int8 lost recall in our measurements, f16 kept it) and saved to
// a file so a restart does not rebuild it.

import { rename } from 'node:fs/promises';
import { Index, MetricKind, ScalarKind } from 'usearch';

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
  has(key: number): boolean;
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
export class HnswIndex implements VectorIndex {
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
