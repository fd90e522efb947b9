// A paper as Markdown (/papers/{id}.md, what `hf papers read` and huggingface_hub's read_paper
// fetch): title, authors, links, abstract. Titles, names and abstracts are untrusted text: every
// character Markdown would read as syntax is backslash-escaped, so a hostile title renders as the
// text it is, never as HTML, a link or a heading, in any CommonMark renderer. Math survives: a
// backslash is escaped only where it would escape something (\log stays \log, \{ becomes \\{).
import { absUrl, pdfUrl } from '../paper/ids.ts';
import type { PaperDetail } from '../store/store.ts';
import { paperPath } from './urls.ts';

/**
 * What Markdown reads as syntax in the middle of a line: code spans, emphasis, links and images,
 * raw HTML and autolinks (<), entities (&), GFM strikethrough and tables, headings' closing #s; and a
 * backslash, but only where it would escape the next character. Everything else (dots, dashes,
 * dollars for math) stays as it is, so the text stays readable as plain text too.
 */
const INLINE_SYNTAX = /\\(?=[!-/:-@[-`{-~])|[`*_[\]<>&~#|]/g;

/** Text for inside a paragraph or heading: one line, nothing Markdown would interpret. */
export function markdownText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(INLINE_SYNTAX, (c) => `\\${c}`)
    // At the start of a line: a list item (-, +, 1. or 1)) or a setext underline (=).
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A block of text (an abstract): its paragraphs kept, each line escaped as inline text. */
export function markdownBlock(s: string): string {
  return s
    .split(/\n\s*\n/)
    .map((paragraph) => markdownText(paragraph))
    .filter((p) => p.length > 0)
    .join('\n\n');
}

/**
 * A link whose target is an http(s) URL, written as an autolink (<https://…>), which CommonMark
 * never reads as HTML; the URL is re-serialised, so spaces, quotes and angle brackets are
 * percent-encoded and cannot end it early. Anything else (javascript:, a relative path) is left out.
 */
export function markdownUrl(url: string | undefined): string | undefined {
  if (!url || !URL.canParse(url.trim())) return undefined;
  const parsed = new URL(url.trim());
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  return `<${parsed.href.replace(/[<>\s"]/g, (c) => encodeURIComponent(c))}>`;
}

export function paperMarkdown(paper: PaperDetail, baseUrl: string): string {
  const links: [string, string | undefined][] = [
    ['arXiv', markdownUrl(absUrl(paper.id))],
    ['PDF', markdownUrl(pdfUrl(paper.id))],
    ['Paper page', markdownUrl(`${baseUrl}${paperPath(paper.id)}`)],
    ['Code', markdownUrl(paper.githubRepo ?? paper.codeUrls[0])],
    ['Project page', markdownUrl(paper.projectPage)],
  ];
  const keywords = paper.hf?.aiKeywords ?? [];
  const lines = [
    `# ${markdownText(paper.title)}`,
    '',
    `**Authors:** ${paper.authors.map(markdownText).join(', ') || 'unknown'}`,
    '',
    ...(paper.published ? [`**Published:** ${paper.published.slice(0, 10)}`, ''] : []),
    ...links.flatMap(([label, url]) => (url ? [`- ${label}: ${url}`] : [])),
    '',
    '## Abstract',
    '',
    markdownBlock(paper.abstract) || '(No abstract.)',
    '',
    ...(paper.aiSummary ? ['## AI summary (from Hugging Face)', '', markdownText(paper.aiSummary), ''] : []),
    ...(keywords.length > 0 ? [`**Keywords:** ${keywords.map(markdownText).join(', ')}`, ''] : []),
  ];
  return lines.join('\n');
}
