// Hugging Face daily papers: GET /api/daily_papers?date=YYYY-MM-DD answers with a JSON array of
// entries ({paper: {...}, numComments, submittedBy, ...}). Saved responses come in three shapes:
// the array itself, an array of Python-repr strings (a scraper's str(entry)), and an envelope
// {status, date, count, data: [...]}. A normalised JSON-lines form holds one entry per line with
// the list's date added as "date".

import type { HfSignals, ParseResult, RecordOrigin } from '../../paper/types.ts';
import { toIsoUtc } from '../../paper/text.ts';
import { failure, finishRecord, guarded, list, mapLines, optionalText, quote, text, withoutUndefined } from './common.ts';
import { parsePythonLiteral } from './python-literal.ts';

type Json = Record<string, unknown>;

/**
 * Parses one saved response. fileDate (YYYY-MM-DD, from a file named after its day) is the day of
 * the list; without it the envelope's date, and failing that each paper's own listing date, stand in.
 */
export function parseHfDailyDocument(body: string, source: string, fileDate?: string): ParseResult[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return [failure({ source, position: 'file' }, `invalid JSON (${(err as Error).message})`)];
  }
  const envelope = asObject(doc);
  const entries = envelope ? envelope.data : doc;
  if (!Array.isArray(entries)) {
    return [failure({ source, position: 'file' }, 'expected a JSON array of daily papers or an object with a "data" array')];
  }
  const listDate = fileDate ?? dayOf(envelope?.date);
  return entries.map((entry, i) => entryResult(entry, { source, position: `entry ${i + 1}` }, listDate));
}

/** Parses the normalised JSON lines (each an entry with its list's "date"); blank lines are skipped. */
export function parseHfDailyLines(lines: AsyncIterable<string>, source: string): AsyncIterable<ParseResult> {
  return mapLines(lines, source, (line, origin) => entryResult(line, origin));
}

function entryResult(raw: unknown, origin: RecordOrigin, listDate?: string): ParseResult {
  return guarded(origin, () => {
    const decoded = decodeEntry(raw);
    return 'reason' in decoded ? failure(origin, decoded.reason) : mapEntry(decoded.value, origin, listDate);
  });
}

/** An entry is an object, or a string holding one as JSON or as a Python literal. */
function decodeEntry(raw: unknown): { value: unknown } | { reason: string } {
  if (typeof raw !== 'string') return { value: raw };
  try {
    return { value: JSON.parse(raw) };
  } catch (jsonError) {
    try {
      return { value: parsePythonLiteral(raw) };
    } catch (pythonError) {
      const why = `${(jsonError as Error).message}; ${(pythonError as Error).message}`;
      return { reason: `not JSON and not a Python literal (${why}): ${quote(raw)}` };
    }
  }
}

function mapEntry(value: unknown, origin: RecordOrigin, listDate: string | undefined): ParseResult {
  const entry = asObject(value);
  if (!entry) return failure(origin, `expected an object, got ${quote(JSON.stringify(value) ?? String(value))}`);
  const paper = asObject(entry.paper) ?? {};
  const day = listDate ?? dayOf(entry.date); // the normalised lines carry their list's date
  // submittedOnDailyAt is the day Hugging Face listed it. Without it, the entry's publishedAt is
  // used only when it falls on the list's day: 534 real entries lack submittedOnDailyAt and carry
  // a publishedAt of another day than the list they were on.
  const submitted = toIsoUtc(text(paper.submittedOnDailyAt));
  const published = toIsoUtc(text(entry.publishedAt));
  const listedAt = submitted ?? (published && (!day || published.startsWith(day)) ? published : (toIsoUtc(day) ?? published));
  const githubRepo = optionalText(paper.githubRepo);
  return finishRecord(
    {
      id: paper.id,
      title: paper.title ?? entry.title,
      abstract: text(paper.summary) ?? text(entry.summary),
      authors: list(paper.authors).map((a) => optionalText(asObject(a)?.name) ?? ''),
      published: toIsoUtc(text(paper.publishedAt)),
      listedAt,
      codeUrls: githubRepo ? [githubRepo] : undefined,
      projectPage: text(paper.projectPage),
      hf: signals(entry, paper, githubRepo, day ?? listedAt?.slice(0, 10)),
    },
    origin,
  );
}

function signals(entry: Json, paper: Json, githubRepo: string | undefined, dailyDate: string | undefined): HfSignals | undefined {
  if (!dailyDate) return undefined;
  const organization = asObject(paper.organization) ?? asObject(entry.organization);
  const keywords = list(paper.ai_keywords).map(optionalText).filter((k) => k !== undefined);
  const media = list(entry.mediaUrls ?? paper.mediaUrls).map(hfImage).filter((u) => u !== undefined);
  return withoutUndefined({
    upvotes: count(paper.upvotes) ?? 0, // every listed paper has a count; none given means none yet
    numComments: count(entry.numComments),
    submitter: optionalText(asObject(paper.submittedOnDailyBy)?.user) ?? optionalText(asObject(entry.submittedBy)?.name),
    githubRepo,
    githubStars: count(paper.githubStars),
    aiSummary: optionalText(paper.ai_summary),
    aiKeywords: keywords.length ? keywords : undefined,
    dailyDate,
    organization: optionalText(organization?.fullname) ?? optionalText(organization?.name),
    thumbnail: hfImage(entry.thumbnail),
    mediaUrls: media.length ? media.slice(0, MAX_MEDIA) : undefined,
  });
}

const MAX_MEDIA = 8;

/**
 * An image URL only if it is https on Hugging Face's own CDN: pages show it as an <img>, so an
 * imported file must not be able to point readers' browsers anywhere else.
 */
function hfImage(value: unknown): string | undefined {
  const url = optionalText(value);
  if (!url || !URL.canParse(url)) return undefined;
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' && /^cdn-[a-z-]+\.huggingface\.co$/.test(hostname) ? url : undefined;
}

/** YYYY-MM-DD of a date or timestamp string, or undefined. */
function dayOf(value: unknown): string | undefined {
  return toIsoUtc(text(value))?.slice(0, 10);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
