// Small, readable paper records for tests that need a store with something in it.
import type { PaperRecord } from '../../src/paper/types.ts';

export function paper(id: string, overrides: Partial<PaperRecord> = {}): PaperRecord {
  return {
    id,
    title: `Paper ${id}`,
    abstract: `An abstract for paper ${id}.`,
    authors: ['Ada Lovelace', 'Alan Turing'],
    categories: ['cs.LG', 'stat.ML'],
    published: '2024-05-27T10:00:00.000Z',
    updated: '2024-05-27T10:00:00.000Z',
    latestVersion: 1,
    versions: [{ version: 1, created: '2024-05-27T10:00:00.000Z', size: '100kb' }],
    ...overrides,
  };
}
