// Text with TeX math, as arXiv titles and abstracts carry it, turned into safe HTML: math between
// $...$, $$...$$, \(...\) or \[...\] goes through KaTeX on the server, everything else is escaped.
// trust:false keeps \href{javascript:...}, \htmlClass and friends from producing live markup.

import katex from 'katex';
import { texSegments as segments, type TexSegment as Segment } from '../paper/tex-segments.ts';
import { MARK_END, MARK_START } from '../store/store.ts';
import { escapeHtml, raw, type Html } from './html.ts';

const KATEX_OPTIONS = { throwOnError: false, trust: false, strict: 'ignore', output: 'html', maxExpand: 1000 } as const;

/**
 * Renders text with math to HTML. `inline` sets display math in the line too (for snippets on
 * cards); `links` turns the http(s) URLs of the text into links (on paper pages, where abstracts
 * and arXiv comments name their code and project pages; not inside a card, which is one link).
 */
export function renderMath(text: string, options: { inline?: boolean; links?: boolean } = {}): Html {
  return renderSegments(segments(text), false, options.inline, options.links);
}

/** A URL as authors write one in running text; trailing punctuation is the sentence's. */
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'{}|\\^`]+/g;

function linkedText(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(URL_IN_TEXT)) {
    let url = m[0];
    // "(see https://x.org/a)." keeps ")." outside; a URL's own balanced parentheses stay in.
    while (/[.,;:!?)\]]$/.test(url) && !(url.endsWith(')') && (url.match(/\(/g) ?? []).length >= (url.match(/\)/g) ?? []).length)) url = url.slice(0, -1);
    if (!URL.canParse(url)) continue;
    out += escapeHtml(text.slice(last, m.index)) + `<a href="${escapeHtml(url)}" rel="nofollow noopener">${escapeHtml(url)}</a>`;
    last = m.index + url.length;
  }
  return out + escapeHtml(text.slice(last));
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

function renderSegments(list: Segment[], marks: boolean, inline = false, links = false): Html {
  let out = '';
  const state = { open: false }; // a <mark> opened earlier and not yet closed
  for (const seg of list) {
    if (seg.kind === 'text') {
      out += marks ? markText(seg.text, state) : links ? linkedText(seg.text) : escapeHtml(seg.text);
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

/** A formula's HTML, for text rendered elsewhere (Markdown comments). */
export function formulaHtml(tex: string, display: boolean): string {
  return formula(tex, display);
}

/** KaTeX's HTML output hides itself from screen readers, so the wrapper reads out the TeX source. */
function formula(tex: string, display: boolean): string {
  const rendered = katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display });
  return `<span class="math" role="math" aria-label="${escapeHtml(tex.trim())}">${rendered}</span>`;
}
