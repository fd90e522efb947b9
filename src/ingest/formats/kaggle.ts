// The Kaggle arXiv metadata dump (arxiv-metadata-oai-snapshot.json): one JSON object per line,
// millions of lines, so it is read line by line. arXiv's .abs files and listings converted to the
// same layout (with a size per version) read the same way.

import { splitAuthors } from '../../paper/text.ts';
import type { ParseResult, RecordOrigin } from '../../paper/types.ts';
import { failure, finishRecord, list, mapLines, quote, readVersion, splitCategories, structuredAuthorName, text } from './common.ts';

/** Parses the dump's lines; blank lines are skipped, line numbers count from 1. */
export function parseKaggleLines(lines: AsyncIterable<string>, source: string): AsyncIterable<ParseResult> {
  return mapLines(lines, source, mapLine);
}

function mapLine(line: string, origin: RecordOrigin): ParseResult {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (err) {
    return failure(origin, `invalid JSON (${(err as Error).message}): ${quote(line)}`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return failure(origin, `not a JSON object: ${quote(line)}`);
  return mapRow(row as Record<string, unknown>, origin);
}

function mapRow(row: Record<string, unknown>, origin: RecordOrigin): ParseResult {
  const versions = list(row.versions).map((v) => {
    const fields = v as Record<string, unknown> | null;
    return readVersion(fields?.version, fields?.created, fields?.size);
  });
  return finishRecord(
    {
      id: row.id,
      title: row.title,
      abstract: text(row.abstract),
      authors: Array.isArray(row.authors_parsed) ? row.authors_parsed.map(parsedAuthorName) : splitAuthors(text(row.authors) ?? ''),
      categories: splitCategories(row.categories),
      versions: versions.filter((v) => v !== undefined),
      comments: text(row.comments),
      journalRef: text(row['journal-ref']),
      doi: text(row.doi),
      reportNo: text(row['report-no']),
      license: text(row.license),
    },
    origin,
  );
}

/** authors_parsed holds [keyname, forenames, suffix, affiliation...], with TeX already decoded. */
function parsedAuthorName(parts: unknown): string {
  const [keyname, forenames, suffix] = list(parts);
  return structuredAuthorName(keyname, forenames, suffix);
}
