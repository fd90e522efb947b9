// Clean-up of the text sources hand us: arXiv wraps titles and abstracts at 80 columns
// and indents them; names come as "Last, First" in some formats; and a source may carry control
// characters that are no text at all.
import { texSegments } from './tex-segments.ts';

/**
 * What is never text in a title, a name or an abstract: C0 controls except the whitespace ones
 * (tab, newlines, form feed), which the normalisers below turn into the field's own whitespace;
 * DEL and the C1 controls; and the bidirectional embeddings, overrides, isolates and marks
 * (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which reorder the text around them on a
 * page: escaping them does not stop that. U+0085 (NEL) is a line break, and becomes one. The
 * joiners U+200C and U+200D are part of Persian and Indic spelling and stay, as does every letter.
 */
const CONTROLS = /[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const HAS_CONTROLS = new RegExp(CONTROLS.source);

/** The text without control characters (see CONTROLS). */
export function stripControls(s: string): string {
  return HAS_CONTROLS.test(s) ? s.replace(CONTROLS, (c) => (c === '\x85' ? '\n' : '')) : s;
}

export function hasControls(s: string): boolean {
  return HAS_CONTROLS.test(s);
}

/**
 * A value with stripControls applied to every string in it, however deep (a record, its lists,
 * its nested objects). What holds no control character is returned as it is, not copied: the
 * look comes first, because on a clean record (nearly all of them) it allocates nothing.
 */
export function withoutControls<T>(value: T): T {
  return holdsControls(value) ? copyWithoutControls(value) : value;
}

function holdsControls(value: unknown): boolean {
  if (typeof value === 'string') return HAS_CONTROLS.test(value);
  if (Array.isArray(value)) return value.some(holdsControls);
  if (isPlainObject(value)) {
    for (const key in value) if (Object.hasOwn(value, key) && holdsControls(value[key])) return true;
  }
  return false;
}

function copyWithoutControls<T>(value: T): T {
  if (typeof value === 'string') return stripControls(value) as T;
  if (Array.isArray(value)) return value.map(withoutControls) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutControls(v)])) as T;
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Collapses runs of whitespace (including arXiv's hard line wraps) to single spaces. */
export function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * An abstract's first sentence, as a one-line summary: not cut after an abbreviation ("e.g.",
 * "et al.", "Fig. 2"), inside a number or inside a formula. A sentence longer than `maxChars`
 * (or text with no sentence end) is cut at the last word that fits, with an ellipsis.
 */
export function firstSentence(text: string, maxChars = 280): string {
  const flat = collapseWhitespace(text);
  const sentence = flat.slice(0, sentenceEnd(flat));
  return sentence.length <= maxChars ? sentence : cutAtWord(sentence, maxChars);
}

/** Where the first sentence ends: after its . ! or ? and any closing quote or bracket. */
function sentenceEnd(s: string): number | undefined {
  let offset = 0;
  for (const seg of texSegments(s)) {
    const start = offset;
    offset += seg.source.length;
    // Display math often carries the sentence's full stop: "... satisfies $$c \le 3/2.$$ We then ..."
    if (seg.kind === 'math') {
      if (/[.!?]\s*$/.test(seg.tex) && startsSentence(s, offset)) return offset;
      continue;
    }
    for (const m of seg.source.matchAll(/[.!?]+["'”’)\]]*(?= |$)/g)) {
      const end = start + m.index + m[0].length;
      if (startsSentence(s, end) && !(m[0].startsWith('.') && abbreviation(s.slice(0, start + m.index), s[end + 1]))) return end;
    }
  }
  return undefined;
}

function startsSentence(s: string, end: number): boolean {
  return end >= s.length || /^ ?[\p{Lu}\p{N}"“'‘(\[$\\]/u.test(s.slice(end, end + 2));
}

/** Whether the word before a full stop is an abbreviation; `next` is the character after the space. */
function abbreviation(before: string, next = ''): boolean {
  const word = /[^\s(\[]*$/.exec(before)![0];
  if (/^(?:\p{L}{1,3}\.)+\p{L}{1,3}$/u.test(word) || /^\p{Lu}$/u.test(word)) return true; // e.g. i.e. U.S. Ph.D. and initials
  const key = word.toLowerCase();
  return ABBREVIATIONS.has(key) || (BEFORE_NUMBERS.has(key) && /[\d(]/.test(next));
}

const ABBREVIATIONS = new Set('al vs cf resp approx viz wrt aka esp incl ca dr mr mrs ms prof jr sr inc ltd'.split(' '));
/** Abbreviations that end a sentence only when no number follows ("Fig. 2", "Eq. (3)", "No. 5"). */
const BEFORE_NUMBERS = new Set('fig figs eq eqs sec secs tab thm lem prop def cor ref refs ch no nos vol pp p'.split(' '));

/** The first `max` characters at most, cut between words outside math, ending in an ellipsis. */
function cutAtWord(s: string, max: number): string {
  let cut = 0;
  let offset = 0;
  for (const seg of texSegments(s)) {
    if (seg.kind === 'text') {
      for (const m of seg.source.matchAll(/ /g)) if (offset + m.index < max) cut = offset + m.index;
    }
    offset += seg.source.length;
    if (offset >= max) break;
  }
  return `${s.slice(0, cut || max - 1).replace(/[\s,;:.]+$/, '')}…`;
}

/** Abstracts keep paragraph breaks (blank lines or an indented new line in arXiv's format) but lose wrapping. */
export function cleanAbstract(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n|\n(?=[ \t]{2,}\S)/)
    .map(collapseWhitespace)
    .filter((p) => p.length > 0)
    .join('\n\n');
}

/** "Baillie, Robert" -> "Robert Baillie"; names without a comma are returned collapsed. */
export function displayName(name: string): string {
  const n = collapseWhitespace(name);
  const m = /^([^,]+),\s*([^,]+)$/.exec(n);
  return m ? `${m[2]} ${m[1]}` : n;
}

/** Key under which two spellings of the same author meet: lower case, no diacritics, no punctuation. */
export function normalizeAuthorName(name: string): string {
  return collapseWhitespace(
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[.\-'’`]/g, ' ')
      .replace(/[^\p{L}\p{N} ]/gu, ''),
  );
}

/**
 * Splits arXiv's author string ("A. One, B. Two and C. Three", with TeX accents and
 * parenthesised affiliations) into display names.
 */
export function splitAuthors(s: string): string[] {
  const withoutAffiliations = stripParenthesised(collapseWhitespace(s));
  return withoutAffiliations
    .split(/,\s*(?:and\s+)?|\s+and\s+|;\s*/)
    .map((a) => collapseWhitespace(a))
    .filter((a) => a.length > 0 && !/^(et al\.?|others)$/i.test(a))
    .map(detex);
}

function stripParenthesised(s: string): string {
  let depth = 0;
  let out = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

const ACCENTS: Record<string, string> = { "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307', u: '\u0306', v: '\u030c', H: '\u030b', c: '\u0327', k: '\u0328' };
const LETTERS: Record<string, string> = { o: 'ø', O: 'Ø', l: 'ł', L: 'Ł', ss: 'ß', ae: 'æ', AE: 'Æ', aa: 'å', AA: 'Å', oe: 'œ', OE: 'Œ', i: 'ı' };

/** Turns TeX accent commands in names (Bal\'azs, M\"uller, {\o}) into Unicode. */
export function detex(s: string): string {
  return s
    .replace(/\\([`'^"~=.])\{?\\?([A-Za-z])\}?/g, (_, acc: string, ch: string) => (ch + ACCENTS[acc]).normalize('NFC'))
    .replace(/\\([uvHck])\{\\?([A-Za-z])\}|\\([uvHck]) ([A-Za-z])/g, (_, a1, c1, a2, c2) => ((c1 ?? c2) + ACCENTS[a1 ?? a2]).normalize('NFC'))
    .replace(/\{?\\(ss|ae|AE|aa|AA|oe|OE|o|O|l|L|i)\b(?: (?=\p{L}))?\}?/gu, (_, l: string) => LETTERS[l] ?? l) // "Stra\ss e": the space ends the control word
    .replace(/[{}]/g, '');
}

/** Parses a date a source gives (ISO, RFC 2822, "YYYY-MM-DD") into ISO-8601 UTC, or undefined. */
export function toIsoUtc(s: string | undefined | null): string | undefined {
  if (!s) return undefined;
  const t = s.trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(t) ? new Date(`${t}T00:00:00Z`) : new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
