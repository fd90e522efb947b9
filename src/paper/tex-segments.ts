// Where the math is in a title or abstract: arXiv text carries TeX between $...$, $$...$$, \(...\)
// and \[...\], and also plenty of dollars that are money. Every surface that treats math apart
// (the pages' KaTeX, plain text for mail, cutting a summary) must agree on the same spans.

export type TexSegment =
  | { kind: 'text'; text: string; source: string }
  | { kind: 'math'; tex: string; display: boolean; source: string };

/** Splits text into plain runs (with \$ unescaped in `text`) and formulas. Unbalanced delimiters stay text. */
export function texSegments(text: string): TexSegment[] {
  const out: TexSegment[] = [];
  let plain = '';
  let plainSource = '';
  const flush = (): void => {
    if (plainSource) out.push({ kind: 'text', text: plain, source: plainSource });
    plain = '';
    plainSource = '';
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('\\$', i)) {
      plain += '$';
      plainSource += '\\$';
      i += 2;
      continue;
    }
    const math = mathAt(text, i);
    if (math) {
      flush();
      out.push(math);
      i += math.source.length;
      continue;
    }
    plain += text[i];
    plainSource += text[i];
    i++;
  }
  flush();
  return out;
}

function mathAt(text: string, i: number): TexSegment | undefined {
  if (text.startsWith('$$', i)) return delimited(text, i, '$$', '$$', true);
  if (text.startsWith('\\(', i)) return delimited(text, i, '\\(', '\\)', false);
  if (text.startsWith('\\[', i)) return delimited(text, i, '\\[', '\\]', true);
  return text[i] === '$' ? inlineDollar(text, i) : undefined;
}

function delimited(text: string, i: number, open: string, close: string, display: boolean): TexSegment | undefined {
  const end = text.indexOf(close, i + open.length);
  const tex = end < 0 ? '' : text.slice(i + open.length, end);
  return tex.trim() ? { kind: 'math', tex, display, source: text.slice(i, end + close.length) } : undefined;
}

/**
 * $...$ by Pandoc's rule, so that "costs $5 and $10" stays text: the opening $ has a non-space on
 * its right, the closing $ a non-space on its left, is not escaped, and is not followed by a digit.
 * Abstracts talk about money a lot ("only $25 and ... at 4$ per hour"), so a span that reads like
 * prose (two plain words in a row) or runs long is not a formula either.
 */
function inlineDollar(text: string, i: number): TexSegment | undefined {
  if (!text[i + 1] || /\s/.test(text[i + 1]!)) return undefined;
  for (let j = i + 2; j < text.length && j - i <= MAX_INLINE_MATH; j++) {
    if (text[j] !== '$' || text[j - 1] === '\\' || /\s/.test(text[j - 1]!) || /\d/.test(text[j + 1] ?? '')) continue;
    const tex = text.slice(i + 1, j);
    if (PROSE.test(tex.replace(/\\[A-Za-z]+\s*\{[^{}]*\}/g, ' '))) return undefined; // words inside \text{...} are fine
    return { kind: 'math', tex, display: false, source: text.slice(i, j + 1) };
  }
  return undefined;
}

const MAX_INLINE_MATH = 400;
const PROSE = /(?:^|\s)[A-Za-z]{3,}\s+[A-Za-z]{3,}(?=\s|[.,;:]|$)/;
