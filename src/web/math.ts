// Text with TeX math, as arXiv titles and abstracts carry it, turned into safe HTML: math between
// $...$, $$...$$, \(...\) or \[...\] goes through KaTeX on the server, everything else is escaped.
// trust:false keeps \href{javascript:...}, \htmlClass and friends from producing live markup.

import katex from 'katex';
import { MARK_END, MARK_START } from '../store/store.ts';
import { escapeHtml, raw, type Html } from './html.ts';

type Segment =
  | { kind: 'text'; text: string; source: string }
  | { kind: 'math'; tex: string; display: boolean; source: string };

const KATEX_OPTIONS = { throwOnError: false, trust: false, strict: 'ignore', output: 'html', maxExpand: 1000 } as const;

/** Renders text with math to HTML. `inline` sets display math in the line too (for snippets on cards). */
export function renderMath(text: string, options: { inline?: boolean } = {}): Html {
  return renderSegments(segments(text), false, options.inline);
}

/**
 * Renders a search highlight: text in which the store wrapped matches in MARK_START/MARK_END.
 * Text is escaped first and the sentinels become <mark> after; a match inside math marks the whole formula.
 */
export function renderMarked(text: string): Html {
  return renderSegments(segments(text), true, true);
}

/** Escapes text and turns the store's match sentinels into <mark> (no math), e.g. for JSON highlights. */
export function markedToHtml(text: string): string {
  const state = { open: false };
  const out = markText(text, state);
  return state.open ? `${out}</mark>` : out;
}

/** Escapes a run of text, turning sentinels into <mark>/</mark>; `state.open` carries an open mark across runs. */
function markText(text: string, state: { open: boolean }): string {
  let out = '';
  for (const part of text.split(/([\uE000\uE001])/)) {
    if (part === MARK_START) {
      if (!state.open) out += '<mark>';
      state.open = true;
    } else if (part === MARK_END) {
      if (state.open) out += '</mark>';
      state.open = false;
    } else out += escapeHtml(part);
  }
  return out;
}

/**
 * The start of a text, at most about `max` characters, cut at a word boundary and never inside a
 * formula, with an ellipsis when something was left out. Returns source text (math still as TeX).
 */
export function snippet(text: string, max = 300): string {
  if (text.length <= max) return text;
  let out = '';
  for (const seg of segments(text)) {
    if (out.length + seg.source.length <= max) {
      out += seg.source;
      continue;
    }
    if (seg.kind === 'math' && !out) out = seg.source; // a long formula first is kept whole
    if (seg.kind === 'text') {
      const room = seg.source.slice(0, max - out.length + 1);
      const cut = room.lastIndexOf(' ');
      out += cut > 0 ? room.slice(0, cut) : '';
    }
    break;
  }
  return out.trimEnd().replace(/[\s,;:.]+$/, '') + '…';
}

function renderSegments(list: Segment[], marks: boolean, inline = false): Html {
  let out = '';
  const state = { open: false }; // a <mark> opened earlier and not yet closed
  for (const seg of list) {
    if (seg.kind === 'text') {
      out += marks ? markText(seg.text, state) : escapeHtml(seg.text);
      continue;
    }
    const tex = marks ? seg.tex.replace(/[\uE000\uE001]/g, '') : seg.tex;
    const rendered = formula(tex, seg.display && !inline);
    const wasOpen = state.open;
    const sentinels = marks ? (seg.tex.match(/[\uE000\uE001]/g) ?? []) : [];
    for (const s of sentinels) state.open = s === MARK_START;
    // A formula is marked whole: KaTeX's markup cannot be split by a <mark>.
    if (wasOpen) out += state.open ? rendered : `${rendered}</mark>`;
    else if (sentinels.length > 0) out += state.open ? `<mark>${rendered}` : `<mark>${rendered}</mark>`;
    else out += rendered;
  }
  if (state.open) out += '</mark>';
  return raw(out);
}

/** KaTeX's HTML output hides itself from screen readers, so the wrapper reads out the TeX source. */
function formula(tex: string, display: boolean): string {
  const rendered = katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display });
  return `<span class="math" role="math" aria-label="${escapeHtml(tex.trim())}">${rendered}</span>`;
}

/** Splits text into plain runs and formulas. Unbalanced delimiters stay as text. */
function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let plain = '';
  let plainSource = '';
  const flush = (): void => {
    if (plainSource) out.push({ kind: 'text', text: plain, source: plainSource });
    plain = '';
    plainSource = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '$') {
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
    plain += ch;
    plainSource += ch;
    i++;
  }
  flush();
  return out;
}

function mathAt(text: string, i: number): Segment | undefined {
  const two = text.slice(i, i + 2);
  if (two === '$$') return delimited(text, i, '$$', '$$', true);
  if (two === '\\(') return delimited(text, i, '\\(', '\\)', false);
  if (two === '\\[') return delimited(text, i, '\\[', '\\]', true);
  if (text[i] === '$') return inlineDollar(text, i);
  return undefined;
}

function delimited(text: string, i: number, open: string, close: string, display: boolean): Segment | undefined {
  const end = text.indexOf(close, i + open.length);
  if (end < 0) return undefined;
  const tex = text.slice(i + open.length, end);
  if (!tex.trim()) return undefined;
  return { kind: 'math', tex, display, source: text.slice(i, end + close.length) };
}

/**
 * $...$ by Pandoc's rule, so that "costs $5 and $10" stays text: the opening $ has a non-space on
 * its right, the closing $ a non-space on its left, is not escaped, and is not followed by a digit.
 * Abstracts talk about money a lot ("only $25 and ... at 4$ per hour"), so a span that reads like
 * prose (two plain words in a row) or runs long is not a formula either.
 */
function inlineDollar(text: string, i: number): Segment | undefined {
  if (!text[i + 1] || /\s/.test(text[i + 1]!)) return undefined;
  for (let j = i + 2; j < text.length && j - i <= MAX_INLINE_MATH; j++) {
    if (text[j] !== '$') continue;
    if (text[j - 1] === '\\') continue;
    if (/\s/.test(text[j - 1]!) || /\d/.test(text[j + 1] ?? '')) continue;
    const tex = text.slice(i + 1, j);
    if (PROSE.test(tex.replace(/\\[A-Za-z]+\s*\{[^{}]*\}/g, ' '))) return undefined; // words inside \text{...} are fine
    return { kind: 'math', tex, display: false, source: text.slice(i, j + 1) };
  }
  return undefined;
}

const MAX_INLINE_MATH = 400;
const PROSE = /(?:^|\s)[A-Za-z]{3,}\s+[A-Za-z]{3,}(?=\s|[.,;:]|$)/;
