// What every embedder offers: texts in, unit-length vectors out. The built-in LSA model, an ONNX
// sentence-transformers model and an OpenAI-compatible endpoint all sit behind this one shape.

/** Queries and documents may be embedded differently (prefixes, weighting). */
export type EmbedRole = 'query' | 'document';

export interface Embedder {
  /** Stable name stored beside every vector, e.g. "lsa-256", "onnx:all-MiniLM-L6-v2", "openai:nomic-embed-text". */
  readonly name: string;
  readonly dimensions: number;
  /** One L2-normalised vector per text, in order. An empty or word-less text gets a zero vector. */
  embed(texts: string[], role: EmbedRole): Promise<Float32Array[]>;
  /** Releases native resources, if any. */
  close?(): Promise<void>;
}

/** Progress of long work (training, re-embedding), for a terminal bar or a log line per step. */
export type ProgressFn = (step: string, done: number, total: number) => void;

/** Scales a vector to unit length in place; a zero vector stays zero. Returns it for chaining. */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}

/** The dot product: cosine similarity for unit vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
