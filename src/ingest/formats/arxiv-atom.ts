// arXiv API responses (export.arxiv.org/api/query): an Atom feed with one <entry> per paper.
// The entry id is the abs URL of the version returned, so it carries the latest version number;
// <published> is v1's date and <updated> the latest version's.

import { parseArxivId } from '../../paper/ids.ts';
import { toIsoUtc } from '../../paper/text.ts';
import type { ParseResult, RecordOrigin, VersionRecord } from '../../paper/types.ts';
import {
  failure,
  finishRecord,
  list,
  optionalText,
  parseXmlEnvelope,
  splitXmlDocument,
  streamXmlFragments,
  text,
  XmlRecordSplitter,
  xmlRecordResult,
  withoutUndefined,
  type XmlFragment,
  type XmlNode,
} from './common.ts';

const ENTRY = 'entry';
const FEED = 'feed';

/**
 * Parses one API response page; totalResults is the size of the whole result set (opensearch).
 * Throws when the text is not a complete Atom feed (an HTML error page, a response cut off).
 */
export function parseArxivAtomPage(xml: string, source: string): { results: ParseResult[]; totalResults?: number } {
  const { fragments, envelope } = splitXmlDocument(xml, ENTRY);
  const feed = parseXmlEnvelope(envelope, FEED);
  const results = fragments.map((f, i) => entryResult(f, i + 1, source));
  const totalResults = Number(optionalText(feed.totalResults));
  return withoutUndefined({ results, totalResults: Number.isInteger(totalResults) ? totalResults : undefined });
}

/** Parses a saved API response as a stream; a feed that is cut off is one file-level error. */
export async function* parseArxivAtomStream(chunks: AsyncIterable<string>, source: string): AsyncIterable<ParseResult> {
  const splitter = new XmlRecordSplitter(ENTRY);
  let n = 0;
  for await (const fragment of streamXmlFragments(chunks, splitter)) yield entryResult(fragment, ++n, source);
  try {
    parseXmlEnvelope(splitter.envelope, FEED);
  } catch (err) {
    yield failure({ source, position: 'file' }, (err as Error).message);
  }
}

function entryResult(fragment: XmlFragment, n: number, source: string): ParseResult {
  const origin = { source, position: `entry ${n}` };
  return xmlRecordResult(fragment, ENTRY, origin, (entry) => mapEntry(entry, origin));
}

function mapEntry(entry: XmlNode, origin: RecordOrigin): ParseResult {
  const entryId = optionalText(entry.id) ?? '';
  // The pre-2025 API answers a malformed id with an entry titled "Error" whose id points to
  // http://arxiv.org/api/errors#... and whose summary says what was wrong.
  if (/\/api\/errors/.test(entryId)) {
    return failure(origin, `arXiv API error: ${optionalText(entry.summary) ?? optionalText(entry.title) ?? entryId}`);
  }
  const published = toIsoUtc(text(entry.published));
  const updated = toIsoUtc(text(entry.updated));
  const primary = text((entry.primary_category as XmlNode | undefined)?.['@term']);
  const terms = list(entry.category).map((c) => text((c as XmlNode)['@term']));
  return finishRecord(
    {
      id: entryId,
      title: entry.title,
      abstract: text(entry.summary),
      authors: list(entry.author).map((a) => optionalText((a as XmlNode).name) ?? ''),
      categories: [...new Set([primary, ...terms].filter((c): c is string => !!c))],
      versions: knownVersions(parseArxivId(entryId)?.version, published, updated),
      published,
      updated,
      comments: text(entry.comment),
      journalRef: text(entry.journal_ref),
      doi: text(entry.doi),
    },
    origin,
  );
}

/**
 * The API dates only the first and the returned version; the ones between stay unknown. Without
 * the latest one's date there is no version list at all, so the latest number is not understated.
 */
function knownVersions(latest: number | undefined, published?: string, updated?: string): VersionRecord[] | undefined {
  if (!latest || !published) return undefined;
  const first = { version: 1, created: published };
  if (latest === 1) return [first];
  return updated ? [first, { version: latest, created: updated }] : undefined;
}
