// Meaning search: the live embedder, its vectors in the store and the HNSW index over them.
// A build (a new embedder, or the LSA model retrained on a grown corpus) happens beside the live
// index: vectors go in under a new model name, the index is built and saved, and only then does
// the new model become active and the old one go. Searches never see a half-built index.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PaperText, Store, VectorModelInfo } from '../store/store.ts';
import { loadEmbedder, type EmbedderConfig } from './embedder-config.ts';
import { saveLsa, trainLsa } from './embedders/lsa.ts';
import { dot, type Embedder, type ProgressFn } from './embedders/types.ts';
import { HnswIndex, largestMagnitudes, QuantizedIndex, QUANTIZED_MAX, type HnswOptions, type Neighbour, type SavedIndex } from './vector-index.ts';

const BATCH = 256;
/** LSA trains on at most this many papers, spread evenly over the corpus. */
const MAX_TRAINING_DOCS = 100_000;
/** Retrain the built-in model once the corpus has grown this much since it was trained. */
const RETRAIN_GROWTH = 2;
const RETRAIN_MIN_PAPERS = 1_000;
/** Candidates the index returns per wanted neighbour, to be re-scored exactly (at least k + RESCORE_EXTRA). */
const RESCORE_FACTOR = 1.5;
const RESCORE_EXTRA = 20;
/** How often a search may look for a model that another process made active. */
const NOTICE_MS = 5_000;


export interface SemanticOptions {
  /** Where model and index files live (beside the database). */
  indexDir: string;
  log?: (line: string) => void;
  hnsw?: HnswOptions;
  /** How often, at most, a search looks for a model another process made active (ms). */
  noticeMs?: number;
}

export interface BuildReport {
  model: string;
  papers: number;
  seconds: { train: number; embed: number; index: number };
}

interface Live {
  model: VectorModelInfo;
  embedder: Embedder;
  index: SavedIndex;
  /** Its file. */
  path: string;
  /** Highest paper key in the index: vectors another process stores later have higher keys. */
  maxKey: number;
}

/** The text an embedder reads for a paper. */
export function paperText(p: Pick<PaperText, 'title' | 'abstract'>): string {
  return `${p.title}. ${p.abstract}`;
}

function fileBase(model: string): string {
  return model.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export class SemanticSearch {
  private live?: Live;
  private building?: Promise<BuildReport>;
  private switching?: Promise<boolean>;
  private lastLook = 0;
  /** A model whose files failed to load: not tried again until another one is made active. */
  private failed?: string;
  private readonly log: (line: string) => void;

  private constructor(private readonly store: Store, private readonly options: SemanticOptions) {
    this.log = options.log ?? (() => {});
  }

  /** Loads the active model and its index (rebuilding the index file from stored vectors if it is missing). */
  static async open(store: Store, options: SemanticOptions): Promise<SemanticSearch> {
    const semantic = new SemanticSearch(store, options);
    semantic.lastLook = Date.now();
    const model = await store.vectors.active();
    if (model) {
      try {
        semantic.live = await semantic.load(model);
      } catch (err) {
        semantic.failed = model.name;
        semantic.log(`Meaning search is off: ${(err as Error).message}`);
      }
    }
    return semantic;
  }

  get model(): VectorModelInfo | undefined {
    return this.live?.model;
  }

  get embedder(): Embedder | undefined {
    return this.live?.embedder;
  }

  get isBuilding(): boolean {
    return this.building !== undefined;
  }

  indexSize(): number {
    return this.live?.index.size() ?? 0;
  }

  async embedQuery(text: string): Promise<Float32Array | undefined> {
    if (!this.live) return undefined;
    const [v] = await this.live.embedder.embed([text], 'query');
    return v!.some((x) => x !== 0) ? v : undefined;
  }

  /**
   * The k papers closest to a vector. The index stores int8 (or f16), whose rounding reorders
   * papers whose similarities differ in the third decimal; so it is asked for more candidates than
   * needed and they are re-scored with the stored f32 vectors.
   */
  async nearest(vector: Float32Array, k: number, options: { exact?: boolean } = {}): Promise<Neighbour[]> {
    const live = this.live;
    if (!live) return [];
    // Fusion can use the int8 index's own similarities (within 0.004 of f32) and skip the re-scoring reads.
    const search = (n: number) => (live.index.searchAsync ? live.index.searchAsync(vector, n) : live.index.search(vector, n));
    if (options.exact === false && live.index.similarity) return search(k);
    const candidates = await search(Math.max(Math.ceil(k * RESCORE_FACTOR), k + RESCORE_EXTRA));
    const stored = await this.store.vectors.getMany(live.model.name, candidates.map((c) => c.key));
    const rescored = candidates.map((c) => {
      const v = stored.get(c.key);
      return { key: c.key, similarity: v ? dot(v, vector) : c.similarity };
    });
    return rescored.sort((a, b) => b.similarity - a.similarity || a.key - b.key).slice(0, k);
  }

  /** A paper's stored vector under the live model. */
  async vectorOf(key: number): Promise<Float32Array | undefined> {
    return this.live && this.store.vectors.get(this.live.model.name, key);
  }

  /**
   * Papers' similarities to a vector: from the int8 index's copy when it has one (within 0.004 of
   * f32, no reads), else from the stored vectors.
   */
  async similarities(keys: number[], vector: Float32Array): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const index = this.live?.index;
    const unread: number[] = [];
    for (const key of keys) {
      const s = index?.similarity?.(key, vector);
      if (s === undefined) unread.push(key);
      else out.set(key, s);
    }
    for (const [key, v] of await this.vectorsOf(unread)) out.set(key, dot(v, vector));
    return out;
  }

  /** Several papers' stored vectors under the live model, in one read. */
  async vectorsOf(keys: number[]): Promise<Map<number, Float32Array>> {
    return this.live ? this.store.vectors.getMany(this.live.model.name, keys) : new Map();
  }

  /**
   * Builds a model from scratch and makes it live when complete. One build at a time: a second
   * call while one runs waits for it instead.
   */
  build(config: EmbedderConfig, progress: ProgressFn = () => {}): Promise<BuildReport> {
    this.building ??= this.runBuild(config, progress).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /**
   * Picks up what another process (an import, `index build`) did to the database: a newly
   * activated model is loaded; vectors stored since are added to the index.
   */
  async refresh(): Promise<void> {
    if (this.building || (await this.switchToActive())) return;
    const live = this.live;
    if (!live) return;
    await this.indexStored(live.model.name, live.index, 'missing', () => {}, live.maxKey);
  }

  /**
   * Called by searches: at most every few seconds, looks for a model that another process
   * (`paperboy index build`) made active since. With no live model the search waits for it to
   * load, so the first search after a build already finds papers by meaning; with one, the new
   * model loads in the background and the old one answers until it is ready.
   */
  async noticeNewModel(): Promise<void> {
    if (this.building || Date.now() - this.lastLook < (this.options.noticeMs ?? NOTICE_MS)) return;
    this.lastLook = Date.now();
    const switching = this.switchToActive().catch((err: Error) => {
      this.log(`Meaning search could not load the new model: ${err.message}`);
    });
    if (!this.live) await switching;
  }

  /** Loads the active model if it is not the live one; true if it did. One load at a time. */
  private switchToActive(): Promise<boolean> {
    this.switching ??= (async () => {
      const active = await this.store.vectors.active();
      if (!active || active.name === this.live?.model.name || active.name === this.failed) return false;
      const previous = this.live;
      try {
        this.live = await this.load(active);
      } catch (err) {
        this.failed = active.name;
        throw err;
      }
      await previous?.embedder.close?.();
      await previous?.index.close?.();
      this.log(`Meaning search now uses ${active.name}.`);
      return true;
    })().finally(() => {
      this.switching = undefined;
    });
    return this.switching;
  }

  /** Embeds papers added or changed since the last call and adds them to the index. */
  async catchUp(progress: ProgressFn = () => {}): Promise<number> {
    await this.refresh();
    const live = this.live;
    if (!live || this.building) return 0;
    const done = await this.embedPending(live.model.name, live.embedder, progress, live.index);
    if (done > 0) await live.index.save(live.path);
    if (await this.shouldRetrain(live.model)) {
      const cfg = live.model.config as EmbedderConfig;
      this.log(`The corpus has more than doubled since the meaning model was trained; retraining it in the background.`);
      void this.build({ kind: 'lsa', dimensions: cfg.kind === 'lsa' ? cfg.dimensions : 256 }).catch((err) => this.log(`Retraining failed: ${(err as Error).message}`));
    }
    return done;
  }

  async close(): Promise<void> {
    await this.building?.catch(() => undefined);
    await this.live?.embedder.close?.();
    await this.live?.index.close?.();
  }

  /** The int8 index's file; an HNSW index (hubs past QUANTIZED_MAX, or built by an older Paperboy) has `.usearch`. */
  private indexPath(model: string, kind: 'quantized' | 'hnsw' = 'quantized'): string {
    return join(this.options.indexDir, `${fileBase(model)}.${kind === 'hnsw' ? 'usearch' : 'i8'}`);
  }

  /** The saved index of a model, else a new one of the kind its size calls for; and where it is saved. */
  private async openIndex(model: string, dimensions: number): Promise<{ index: SavedIndex; path: string; existed: boolean }> {
    const quantized = this.indexPath(model);
    const hnsw = this.indexPath(model, 'hnsw');
    try {
      if (existsSync(quantized)) return { index: await QuantizedIndex.load(quantized, dimensions), path: quantized, existed: true };
      if (existsSync(hnsw)) return { index: HnswIndex.load(hnsw, dimensions, this.options.hnsw), path: hnsw, existed: true };
    } catch (err) {
      // The vectors are in the database: an unreadable index file (cut short by a full disk, say)
      // is only a cache of them, rebuilt as if it were missing.
      this.log(`The meaning index file could not be read (${(err as Error).message}); rebuilding it from the stored vectors.`);
      await rm(quantized, { force: true });
      await rm(hnsw, { force: true });
    }
    const papers = await this.store.paperCount();
    return papers > QUANTIZED_MAX
      ? { index: new HnswIndex(dimensions, this.options.hnsw), path: hnsw, existed: false }
      : { index: new QuantizedIndex(dimensions, papers + 1024, await this.largestMagnitudes(model, dimensions)), path: quantized, existed: false };
  }

  /** Each dimension's largest magnitude over a model's stored vectors: the int8 index's scales. */
  private async largestMagnitudes(model: string, dimensions: number): Promise<Float32Array | undefined> {
    const largest = new Float32Array(dimensions);
    let seen = 0;
    for (let after = 0; ; ) {
      const rows = await this.store.vectors.scan(model, after, 4_096);
      if (rows.length === 0) break;
      largestMagnitudes(rows.map((r) => r.vector), dimensions, largest);
      seen += rows.length;
      after = rows[rows.length - 1]!.key;
    }
    return seen > 0 ? largest : undefined;
  }

  private async load(model: VectorModelInfo): Promise<Live> {
    const config = model.config as EmbedderConfig;
    const embedder = await loadEmbedder(config, this.options.indexDir);
    const { index, path, existed } = await this.openIndex(model.name, model.dimensions);
    // Vectors written after the index file was last saved (a crash in between) are added now.
    const live: Live = { model, embedder, index, path, maxKey: 0 };
    const added = await this.indexStored(model.name, index, 'missing', () => {}, 0, live);
    if (added > 0 || !existed) await index.save(path);
    return live;
  }

  private async runBuild(config: EmbedderConfig, progress: ProgressFn): Promise<BuildReport> {
    await mkdir(this.options.indexDir, { recursive: true });
    await this.dropUnfinished();
    const t0 = performance.now();
    const { embedder, config: stored } = await this.prepareEmbedder(config, progress);
    const name = await this.unusedName(`${embedder.name}@${new Date().toISOString().replace(/[-:]|\.\d+Z$/g, '')}`);
    await this.store.vectors.saveModel({ name, dimensions: embedder.dimensions, config: stored, state: 'building' });
    const t1 = performance.now();
    const papers = await this.embedPending(name, embedder, progress);
    const t2 = performance.now();
    const { index, path } = await this.openIndex(name, embedder.dimensions);
    const fresh: Live = { model: undefined as unknown as VectorModelInfo, embedder, index, path, maxKey: 0 };
    await this.indexStored(name, index, 'all', progress, 0, fresh);
    await index.save(path);
    const t3 = performance.now();

    await this.store.vectors.saveModel({ name, dimensions: embedder.dimensions, config: stored, state: 'ready' });
    await this.store.vectors.activate(name);
    const previous = this.live;
    this.live = { ...fresh, model: (await this.store.vectors.active())! };
    if (previous) await this.dropModel(previous.model.name);
    await previous?.embedder.close?.();
    await previous?.index.close?.();
    this.log(`Meaning search now uses ${name} (${papers} papers embedded).`);
    return { model: name, papers, seconds: { train: (t1 - t0) / 1000, embed: (t2 - t1) / 1000, index: (t3 - t2) / 1000 } };
  }

  /** Builds in the same second would otherwise share a name, and the second would drop the first's vectors. */
  private async unusedName(base: string): Promise<string> {
    const taken = new Set((await this.store.vectors.models()).map((m) => m.name));
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    return name;
  }

  /** LSA is trained here on the corpus; the others are loaded as they are. */
  private async prepareEmbedder(config: EmbedderConfig, progress: ProgressFn): Promise<{ embedder: Embedder; config: EmbedderConfig }> {
    if (config.kind !== 'lsa') return { embedder: await loadEmbedder(config, this.options.indexDir), config };
    const texts = await this.trainingTexts(progress);
    const model = await trainLsa(texts, { dimensions: config.dimensions, alpha: config.alpha, onProgress: progress });
    const file = `${fileBase(model.name)}-${randomUUID().slice(0, 8)}.lsa`; // never the live model's file
    await saveLsa(model, join(this.options.indexDir, file));
    return { embedder: model, config: { ...config, file, trainedDocs: texts.length } };
  }

  private async trainingTexts(progress: ProgressFn): Promise<string[]> {
    const total = await this.store.paperCount();
    const every = Math.max(1, Math.ceil(total / MAX_TRAINING_DOCS));
    const texts: string[] = [];
    let seen = 0;
    for (let after = 0; ; ) {
      const page = await this.store.vectors.texts(after, 2_000);
      if (page.length === 0) break;
      for (const p of page) if (seen++ % every === 0) texts.push(paperText(p));
      after = page[page.length - 1]!.key;
      progress('reading papers', seen, total);
    }
    return texts;
  }

  private async embedPending(model: string, embedder: Embedder, progress: ProgressFn, index?: SavedIndex): Promise<number> {
    const total = await this.store.vectors.countPending(model);
    let done = 0;
    for (let after = 0; done < total; ) {
      const batch = await this.store.vectors.pending(model, after, BATCH);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.key;
      const vectors = await embedder.embed(batch.map(paperText), 'document');
      await this.store.vectors.put(model, batch.map((p, i) => ({ key: p.key, changedAt: p.changedAt, vector: vectors[i]! })));
      index?.add(batch.map((p) => p.key), vectors);
      if (index && this.live?.index === index) this.live.maxKey = Math.max(this.live.maxKey, batch[batch.length - 1]!.key);
      done += batch.length;
      progress('embedding', done, total);
      await new Promise((resolve) => setImmediate(resolve)); // let the server answer between batches
    }
    return done;
  }

  /** Adds a model's stored vectors to an index: all of them, or those it lacks; after `from` (a key). */
  private async indexStored(model: string, index: SavedIndex, which: 'all' | 'missing', progress: ProgressFn = () => {}, from = 0, live = this.live): Promise<number> {
    const total = (await this.store.vectors.models()).find((m) => m.name === model)?.vectors ?? 0;
    let seen = 0;
    let added = 0;
    for (let after = from; ; ) {
      let keys: number[];
      if (which === 'all') {
        const rows = await this.store.vectors.scan(model, after, 4_096);
        if (rows.length === 0) break;
        keys = rows.map((r) => r.key);
        index.add(keys, rows.map((r) => r.vector));
        added += rows.length;
      } else {
        // Nearly every stored vector is in the index already: the few that are not are found from
        // the keys alone (at a million papers, reading every vector took 9 s of each start).
        keys = await this.store.vectors.keys(model, after, 65_536);
        if (keys.length === 0) break;
        const missing = keys.filter((key) => !index.has(key));
        for (let i = 0; i < missing.length; i += 4_096) {
          const found = await this.store.vectors.getMany(model, missing.slice(i, i + 4_096));
          index.add([...found.keys()], [...found.values()]);
          added += found.size;
        }
      }
      seen += keys.length;
      after = keys[keys.length - 1]!;
      if (live) live.maxKey = Math.max(live.maxKey, after);
      progress('indexing', seen, total);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return added;
  }

  private async shouldRetrain(model: VectorModelInfo): Promise<boolean> {
    const config = model.config as EmbedderConfig;
    if (config.kind !== 'lsa' || !config.trainedDocs || config.trainedDocs >= MAX_TRAINING_DOCS) return false;
    const papers = await this.store.paperCount();
    return papers >= RETRAIN_MIN_PAPERS && papers >= RETRAIN_GROWTH * config.trainedDocs;
  }

  /** Models a crashed or interrupted build left 'building' are removed with their files. */
  private async dropUnfinished(): Promise<void> {
    for (const m of await this.store.vectors.models()) if (m.state === 'building') await this.dropModel(m.name);
  }

  private async dropModel(name: string): Promise<void> {
    const model = (await this.store.vectors.models()).find((m) => m.name === name);
    await this.store.vectors.dropModel(name);
    await rm(this.indexPath(name), { force: true });
    await rm(this.indexPath(name, 'hnsw'), { force: true });
    const config = model?.config as EmbedderConfig | undefined;
    if (config?.kind === 'lsa' && config.file) await rm(join(this.options.indexDir, config.file), { force: true });
  }
}
