// Comments are Markdown written by anyone: markdown-it turns them into HTML (raw HTML in the
// source stays text, images are not rendered), then sanitize-html keeps only an allowlist of tags
// and http(s)/mailto links, whatever markdown-it produced.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { raw, type Html } from './html.ts';

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

export function renderComment(source: string): Html {
  return raw(sanitizeHtml(markdown.render(source), ALLOWLIST));
}
