// Comments are Markdown written by anyone: markdown-it turns them into HTML (raw HTML in the
// source stays text, images are not rendered), then sanitize-html keeps only an allowlist of tags
// and http(s)/mailto links, whatever markdown-it produced. Math ($…$, $$…$$, \(…\), \[…\]) is
// KaTeX, as in titles and abstracts: set aside before Markdown (which would eat its backslashes
// and underscores) and put back, rendered, after sanitizing; math in `code` stays code.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { texSegments } from '../paper/tex-segments.ts';
import { raw, type Html } from './html.ts';
import { formulaHtml } from './math.ts';

const markdown = new MarkdownIt({ html: false, linkify: true }).disable(['image']);

const ALLOWLIST: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a'],
  // rel is ours: transformTags sets it on every link, replacing whatever came in.
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  // Anything else (headings, tables, <script>) keeps its text but loses its tag; script and style lose both.
  disallowedTagsMode: 'discard',
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow ugc noopener' }) },
};

/** Code spans and fenced blocks, whose dollars are code. */
const CODE = /```[\s\S]*?(?:```|$)|`[^`\n]*`/g;
/** Private-use characters around a formula's number: Markdown and the sanitizer leave them be. */
const OPEN = '\uE020';
const CLOSE = '\uE021';
const PLACEHOLDER = /\uE020(\d+)\uE021/g;

export function renderComment(source: string): Html {
  const formulas: string[] = [];
  let text = '';
  let last = 0;
  const setAside = (part: string): string =>
    texSegments(part.replace(/[\uE020\uE021]/g, '')).map((seg) => (seg.kind === 'math' ? `${OPEN}${formulas.push(formulaHtml(seg.tex, seg.display)) - 1}${CLOSE}` : seg.source)).join('');
  for (const m of source.matchAll(CODE)) {
    text += setAside(source.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  text += setAside(source.slice(last));
  const safe = sanitizeHtml(markdown.render(text), ALLOWLIST);
  return raw(safe.replace(PLACEHOLDER, (_, n: string) => formulas[Number(n)] ?? ''));
}
