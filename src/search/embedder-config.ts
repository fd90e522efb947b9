// How an embedder is named on the command line and remembered in the database, so that the
// server can load the same one again: the built-in LSA model (a file beside the database), an ONNX
// model folder, or an OpenAI-compatible endpoint.

import { join } from 'node:path';
import { loadLsa } from './embedders/lsa.ts';
import { loadOnnxEmbedder } from './embedders/onnx.ts';
import { openAiEmbedder } from './embedders/openai.ts';
import type { Embedder } from './embedders/types.ts';

export type EmbedderConfig =
  | { kind: 'lsa'; dimensions: number; alpha?: number; file?: string; trainedDocs?: number }
  | { kind: 'onnx'; dir: string }
  | { kind: 'openai'; baseUrl: string; model: string; apiKeyEnv?: string };

export const DEFAULT_LSA_DIMENSIONS = 256;

/**
 * Reads `lsa`, `lsa:256`, `onnx:PATH` or `openai:MODEL@URL` (the key, if any, from
 * PAPERBOY_EMBEDDINGS_API_KEY). Throws a message that shows the accepted forms.
 */
export function parseEmbedderSpec(spec: string): EmbedderConfig {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'lsa': {
      const dimensions = arg === '' ? DEFAULT_LSA_DIMENSIONS : Number(arg);
      if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > 2048) throw new Error(`lsa:${arg}: the dimension must be a whole number from 2 to 2048, e.g. lsa:256.`);
      return { kind: 'lsa', dimensions };
    }
    case 'onnx':
      if (arg === '') throw new Error('onnx: needs the model folder, e.g. onnx:models/all-MiniLM-L6-v2 (get one with `paperboy models pull sentence-transformers/all-MiniLM-L6-v2`).');
      return { kind: 'onnx', dir: arg };
    case 'openai': {
      const at = arg.lastIndexOf('@');
      if (at <= 0 || !/^https?:\/\//.test(arg.slice(at + 1))) throw new Error('openai: needs MODEL@URL, e.g. openai:nomic-embed-text@http://localhost:11434/v1');
      return { kind: 'openai', model: arg.slice(0, at), baseUrl: arg.slice(at + 1), apiKeyEnv: 'PAPERBOY_EMBEDDINGS_API_KEY' };
    }
    default:
      throw new Error(`Unknown embedder "${spec}". Use lsa (built in, the default), lsa:DIMENSIONS, onnx:MODEL_FOLDER or openai:MODEL@URL.`);
  }
}

/** Loads a stored embedder. LSA files are relative to the index folder. */
export async function loadEmbedder(config: EmbedderConfig, indexDir: string): Promise<Embedder> {
  switch (config.kind) {
    case 'lsa':
      if (!config.file) throw new Error('This LSA model was never trained; run `paperboy index build`.');
      return loadLsa(join(indexDir, config.file));
    case 'onnx':
      return loadOnnxEmbedder(config.dir);
    case 'openai': {
      const embedder = openAiEmbedder({ baseUrl: config.baseUrl, model: config.model, apiKey: config.apiKeyEnv ? process.env[config.apiKeyEnv] : undefined });
      await embedder.probe();
      return embedder;
    }
  }
}
