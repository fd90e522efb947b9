// Rows of the vector tables (vector_models, paper_vectors) as both engines read and write them
// (sqlite-vectors.ts, pg-vectors.ts): each vector the same bytes (float32, little-endian), so the
// two engines hold interchangeable data.
import type { VectorModelInfo } from './store.ts';

/** The meta key naming the active model. */
export const ACTIVE_MODEL = 'active_vector_model';

export interface ModelRow {
  name: string;
  dimensions: number;
  config: string;
  state: 'building' | 'ready';
  created_at: string;
  ready_at: string | null;
}

/** A model as the store describes it: active only while it is the named one and ready. */
export function toModelInfo(r: ModelRow, activeName: string | undefined, vectors: number): VectorModelInfo {
  return {
    name: r.name,
    dimensions: r.dimensions,
    config: JSON.parse(r.config) as Record<string, unknown>,
    state: r.state,
    active: r.name === activeName && r.state === 'ready',
    createdAt: r.created_at,
    readyAt: r.ready_at ?? undefined,
    vectors,
  };
}

/** Refuses to activate a model that does not exist or is still being built. */
export function checkActivatable(models: VectorModelInfo[], name: string): void {
  const model = models.find((m) => m.name === name);
  if (!model) throw new Error(`There is no vector model named ${name}.`);
  if (model.state !== 'ready') throw new Error(`The vector model ${name} is still being built; it can be used once it is ready.`);
}

export function toBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function fromBlob(blob: Buffer): Float32Array {
  // Copy: the driver's buffer may not be 4-byte aligned.
  const out = new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}
