// Real data lives in ../shared/data beside the checkout. A fresh clone elsewhere has none, so tests
// that need it skip themselves and say so (node:test prints the reason on the skipped test).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_DATA = process.env.PAPERBOY_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');

/** Path inside ../shared/data. */
export function sharedData(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/**
 * Pass as the `skip` option of a test: false when the data is there, else a message saying why.
 * Usage: test('...', { skip: needsData('arxiv-oai-pmh') }, async () => { ... })
 */
export function needsData(...parts: string[]): string | false {
  const p = sharedData(...parts);
  if (existsSync(p)) return false;
  const message = `SKIPPED: real data not found at ${p} (tests that need ../shared/data run in CI)`;
  console.warn(message);
  return message;
}
