// Clean-up of the text sources hand us: arXiv wraps titles and abstracts at 80 columns
// and indents them; names come as "Last, First" in some formats.

/** Collapses runs of whitespace (including arXiv's hard line wraps) to single spaces. */
export function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
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
