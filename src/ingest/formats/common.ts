// What every format parser shares: turning a loosely-typed source record into a PaperRecord
// (the one place where ids, titles, abstracts, versions and dates are normalised), and, for the
// XML formats, cutting a document into one fragment per record so a broken record loses only itself.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseArxivId } from '../../paper/ids.ts';
import { cleanAbstract, collapseWhitespace, stripControls, toIsoUtc, withoutControls } from '../../paper/text.ts';
import type { PaperRecord, ParseResult, RecordOrigin, VersionRecord } from '../../paper/types.ts';

// ---------------------------------------------------------------------------------------------
// Records

/**
 * A record as a parser read it, before normalisation: id and title are whatever the source held,
 * text fields may still carry wrapping and padding. Authors are display names already.
 */
export type RawPaper = Omit<PaperRecord, 'id' | 'title'> & { id: unknown; title: unknown };

/**
 * Normalises a raw record, or says why it cannot be one (no usable arXiv id, no title).
 * Versions, when given, decide published (v1), updated (latest) and latestVersion, because they
 * are the most precise thing any source tells about dates.
 * No string in the record keeps a control character (see stripControls), whichever way its
 * parser read it: text() takes them out as it reads, and this, the one way to a record, makes sure.
 */
export function finishRecord(source: RawPaper, origin: RecordOrigin): ParseResult {
  const raw = withoutControls(source);
  const idText = text(raw.id);
  const parsedId = idText === undefined ? undefined : parseArxivId(idText);
  if (!parsedId) return failure(origin, idText ? `not an arXiv id: ${quote(idText)}` : 'missing arXiv id');
  const title = optionalText(raw.title);
  if (!title) return failure(origin, `missing title (${parsedId.id})`);

  const versions = raw.versions?.length ? [...raw.versions].sort((a, b) => a.version - b.version) : undefined;
  const latest = versions?.at(-1);
  const record: PaperRecord = {
    ...raw,
    id: parsedId.id,
    title,
    abstract: raw.abstract === undefined ? undefined : cleanAbstract(raw.abstract) || undefined,
    authors: raw.authors.map(collapseWhitespace).filter((a) => a.length > 0),
    categories: raw.categories?.length ? raw.categories : undefined,
    versions,
    latestVersion: latest?.version ?? raw.latestVersion ?? parsedId.version,
    published: versions?.find((v) => v.version === 1)?.created ?? raw.published,
    updated: latest?.created ?? raw.updated,
    comments: optionalText(raw.comments),
    journalRef: optionalText(raw.journalRef),
    doi: optionalText(raw.doi),
    license: optionalText(raw.license),
    reportNo: optionalText(raw.reportNo),
    projectPage: optionalText(raw.projectPage),
  };
  return { ok: withoutUndefined(record), origin };
}

export function failure(origin: RecordOrigin, reason: string): ParseResult {
  // Reasons quote bad input and end up on a terminal (stats --errors): no escape sequences.
  return { error: { ...origin, reason: stripControls(reason) } };
}

/**
 * Runs a per-record mapping so that a record of an unexpected shape (a string where an object
 * should be, say) is reported as that record's error instead of ending the whole file.
 */
export function guarded(origin: RecordOrigin, map: () => ParseResult): ParseResult {
  try {
    return map();
  } catch (err) {
    return failure(origin, `unexpected record shape: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Maps each line of a JSON-lines file to a result. Blank lines are passed over but counted, so
 * "line N" is the line an editor shows.
 */
export async function* mapLines(
  lines: AsyncIterable<string>,
  source: string,
  map: (line: string, origin: RecordOrigin) => ParseResult,
): AsyncIterable<ParseResult> {
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const origin = { source, position: `line ${lineNo}` };
    yield guarded(origin, () => map(line, origin));
  }
}

/**
 * One version as the Kaggle dump and arXivRaw give it ("v2", an RFC 2822 date, "37kb"), or
 * undefined when its number or date cannot be read (the record keeps its other versions).
 */
export function readVersion(version: unknown, created: unknown, size: unknown): VersionRecord | undefined {
  const number = Number(/^v?(\d+)$/i.exec(text(version)?.trim() ?? '')?.[1]);
  const date = toIsoUtc(text(created));
  if (!Number.isInteger(number) || !date) return undefined;
  // .abs files and listings append the source-type flag to the size ("39kb,D").
  const sizeText = optionalText(size)?.replace(/,.*$/, '');
  return sizeText ? { version: number, created: date, size: sizeText } : { version: number, created: date };
}

/**
 * "Forenames Keyname Suffix" from arXiv's structured author: <keyname>, <forenames>, <suffix> in
 * OAI arXiv, [keyname, forenames, suffix] in the Kaggle dump. arXiv's name splitter leaves a
 * space before a hyphen in initials ("C. -P." for C.-P.), which is undone here.
 */
export function structuredAuthorName(keyname: unknown, forenames: unknown, suffix: unknown): string {
  const first = optionalText(forenames)?.replace(/\s+-/g, '-');
  return [first, optionalText(keyname), optionalText(suffix)].filter((part) => part).join(' ');
}

/** arXiv's space-separated category list ("math.CO cs.CG"), primary first. */
export function splitCategories(value: unknown): string[] | undefined {
  const s = text(value);
  return s ? s.split(/\s+/).filter((c) => c.length > 0) : undefined;
}

/**
 * The string a source holds (XML text node or JSON scalar), or undefined for anything else.
 * Control characters are taken out here, before any normalisation collapses the whitespace around them.
 */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return stripControls(value);
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && '#text' in value) return text(value['#text']);
  return undefined;
}

/** Collapsed text, or undefined when there is none. */
export function optionalText(value: unknown): string | undefined {
  const s = text(value);
  return s === undefined ? undefined : collapseWhitespace(s) || undefined;
}

/** One element, several or none, as a list (XML repeats an element only when there is more than one). */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A short, single-line excerpt of bad input for an error message. */
export function quote(s: string, max = 80): string {
  const line = collapseWhitespace(stripControls(s));
  return `"${line.length > max ? `${line.slice(0, max)}…` : line}"`;
}

/** A copy without the keys whose value is undefined, so records compare and serialise cleanly. */
export function withoutUndefined<T extends object>(o: T): T {
  const out = {} as T;
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

// ---------------------------------------------------------------------------------------------
// XML

export type XmlNode = Record<string, unknown>;

/** One record element cut out of a document; `complete` is false when its end tag never came. */
export interface XmlFragment {
  xml: string;
  complete: boolean;
}

// Namespace prefixes are dropped (dc:title -> title, arxiv:doi -> doi): each format's elements
// are unambiguous without them, and a fragment cut out of its document has lost the xmlns
// declarations anyway. Values stay strings ("0704.0001" is an id, not a number).
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // fast-xml-parser 5 decodes numeric character references (&#233;) only with this on.
  htmlEntities: true,
});

/**
 * Parses one record fragment. fast-xml-parser accepts mismatched tags silently, so the fragment
 * is validated first: a malformed record must be reported, not half-read.
 */
function parseXmlFragment(fragment: XmlFragment, tag: string): { node: XmlNode } | { reason: string } {
  if (!fragment.complete) return { reason: `unterminated <${tag}> element: ${quote(fragment.xml)}` };
  const valid = XMLValidator.validate(fragment.xml);
  if (valid !== true) {
    return { reason: `malformed XML: ${valid.err.msg.replace(/\.$/, '')} (line ${valid.err.line} of the ${tag})` };
  }
  const node = (xmlParser.parse(fragment.xml) as XmlNode)[tag];
  return { node: typeof node === 'object' && node !== null ? (node as XmlNode) : {} };
}

/**
 * Reads one record fragment and maps it to a result: malformed XML, a mapping that fails, or the
 * mapper's own verdict.
 */
export function xmlRecordResult(
  fragment: XmlFragment,
  tag: string,
  origin: RecordOrigin,
  map: (node: XmlNode) => ParseResult,
): ParseResult {
  const parsed = parseXmlFragment(fragment, tag);
  if ('reason' in parsed) return failure(origin, parsed.reason);
  return guarded(origin, () => map(parsed.node));
}

/**
 * Parses what is left of a document once its records are cut out (the OAI-PMH envelope, the Atom
 * feed head) and returns its root element. Throws unless that is a whole, well-formed document
 * with the expected root: an HTML error page or a response cut off in transfer must not pass for
 * an empty or a last page.
 */
export function parseXmlEnvelope(envelope: string, root: string): XmlNode {
  const doc = envelope.trimStart(); // a byte-order mark or a stray newline before <?xml is harmless
  if (!new RegExp(`<${root}[\\s>/]`).test(doc)) throw new Error(`expected a <${root}> document, got ${quote(doc)}`);
  const valid = XMLValidator.validate(doc);
  if (valid !== true) throw new Error(`malformed or cut-off <${root}> document: ${collapseWhitespace(valid.err.msg)}`);
  const node = (xmlParser.parse(doc) as XmlNode)[root];
  return typeof node === 'object' && node !== null ? (node as XmlNode) : {};
}

// The envelope of a real response is a few hundred bytes (a few hundred KB for ListIdentifiers);
// beyond this the input is not what we expect and keeping it would defeat streaming.
const MAX_ENVELOPE_CHARS = 1 << 20;
// A record larger than this is treated as broken rather than buffered without bound.
const MAX_RECORD_CHARS = 16 << 20;

/**
 * An incremental scanner that cuts record elements (<record>…</record>, <entry>…</entry>) out of
 * a text stream fed chunk by chunk, so a file of any size is read in constant memory. The text
 * between records (the envelope) is kept, up to a limit, for page-level elements.
 *
 * A record whose end tag is missing ends where the next one starts and is returned incomplete,
 * so the records after it are still read.
 */
export class XmlRecordSplitter {
  readonly #open: RegExp;
  readonly #close: RegExp;
  #buffer = '';
  #envelope = '';

  constructor(readonly tag: string) {
    // Only the unprefixed element: arXiv writes its records in the default namespace, and a
    // prefixed one (<marc:record> inside an OAI record) belongs to the record's content.
    this.#open = new RegExp(`<${tag}(?=[\\s>/])`, 'g');
    this.#close = new RegExp(`</${tag}\\s*>`, 'g');
  }

  /** Adds text; returns the records it completed. */
  push(chunk: string): XmlFragment[] {
    this.#buffer += chunk;
    return this.#drain(false);
  }

  /** Ends the input; returns what was still open (as an incomplete record). */
  end(): XmlFragment[] {
    return this.#drain(true);
  }

  /** The text outside records seen so far (empty if it grew past what an envelope can be). */
  get envelope(): string {
    return this.#envelope.length > MAX_ENVELOPE_CHARS ? '' : this.#envelope;
  }

  #drain(final: boolean): XmlFragment[] {
    const out: XmlFragment[] = [];
    for (;;) {
      const start = this.#search(this.#open, 0);
      if (!start) {
        this.#keepEnvelope(final);
        return out;
      }
      this.#addEnvelope(this.#buffer.slice(0, start.index));
      this.#buffer = this.#buffer.slice(start.index);

      const close = this.#search(this.#close, 1);
      const next = this.#search(this.#open, 1);
      if (close && (!next || close.index < next.index)) {
        out.push(this.#take(close.index + close[0].length, true));
      } else if (next) {
        out.push(this.#take(next.index, false));
      } else if (final || this.#buffer.length > MAX_RECORD_CHARS) {
        out.push(this.#take(this.#buffer.length, false));
      } else {
        return out;
      }
    }
  }

  #search(pattern: RegExp, from: number): RegExpExecArray | null {
    pattern.lastIndex = from;
    return pattern.exec(this.#buffer);
  }

  #take(end: number, complete: boolean): XmlFragment {
    const xml = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end);
    return { xml, complete };
  }

  /**
   * Moves text with no record start into the envelope, holding back a tail that may be a start
   * tag cut by the chunk boundary ("<rec", or "<record" before the character that ends the name).
   */
  #keepEnvelope(final: boolean): void {
    const lastTag = this.#buffer.lastIndexOf('<');
    const cutStartTag = !final && lastTag >= 0 && this.#buffer.length - lastTag <= this.tag.length + 1;
    const keep = cutStartTag ? lastTag : this.#buffer.length;
    this.#addEnvelope(this.#buffer.slice(0, keep));
    this.#buffer = this.#buffer.slice(keep);
  }

  #addEnvelope(s: string): void {
    if (this.#envelope.length <= MAX_ENVELOPE_CHARS) this.#envelope += s;
  }
}

/** Cuts a whole document (an API response already in memory) into its records and envelope. */
export function splitXmlDocument(xml: string, tag: string): { fragments: XmlFragment[]; envelope: string } {
  const splitter = new XmlRecordSplitter(tag);
  const fragments = [...splitter.push(xml), ...splitter.end()];
  return { fragments, envelope: splitter.envelope };
}

/** Cuts a text stream into its records as they complete. */
export async function* streamXmlFragments(chunks: AsyncIterable<string>, splitter: XmlRecordSplitter): AsyncIterable<XmlFragment> {
  for await (const chunk of chunks) yield* splitter.push(chunk);
  yield* splitter.end();
}
