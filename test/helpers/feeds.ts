// Reading feeds as a feed reader does: Atom streamed through feedparser (a real, widely used
// parser), and the autodiscovery links a reader finds in a page's head.
import { Readable } from 'node:stream';
import FeedParser from 'feedparser';

// feedparser keeps every element it read under its namespaced name ('atom:id', 'atom:link', ...).
type Raw = Record<string, any>;
export interface ParsedFeed {
  meta: FeedParser.Meta & Raw;
  items: (FeedParser.Item & Raw)[];
}

export function parseAtom(body: string): Promise<ParsedFeed> {
  return new Promise((resolve, reject) => {
    const parser = new FeedParser({ strict: true } as FeedParser.Options);
    const items: ParsedFeed['items'] = [];
    parser.on('error', reject);
    parser.on('readable', () => {
      for (let item = parser.read(); item; item = parser.read()) items.push(item);
    });
    parser.on('end', () => resolve({ meta: parser.meta as ParsedFeed['meta'], items }));
    Readable.from([Buffer.from(body, 'utf8')]).pipe(parser);
  });
}

/** The text of an element as the XML said it (feedparser's own `title` drops anything that looks like a tag). */
export function rawText(node: Raw | undefined): string | undefined {
  return node?.['#'];
}

/** An element that may occur once or more, as a list. */
export function all(node: Raw | Raw[] | undefined): Raw[] {
  return node === undefined ? [] : Array.isArray(node) ? node : [node];
}

export interface Alternate {
  type: string;
  title: string;
  href: string;
}

/** The <link rel="alternate"> elements of a page's head, in order, with their attributes decoded. */
export function alternates(page: string): Alternate[] {
  const head = page.slice(0, page.indexOf('</head>'));
  return [...head.matchAll(/<link rel="alternate" type="([^"]+)" title="([^"]*)" href="([^"]+)">/g)].map((m) => ({
    type: m[1]!,
    title: decode(m[2]!),
    href: decode(m[3]!),
  }));
}

/** The papers a page's cards show, in order. */
export function cardIds(page: string): string[] {
  return [...page.matchAll(/<h3 class="card-title"><a href="\/papers\/([^"]+)">/g)].map((m) => m[1]!);
}

/** Whether every character is one XML 1.0 allows (its Char production), lone surrogates included. */
export function onlyXmlChars(text: string): boolean {
  return [...text].every((ch) => {
    const c = ch.codePointAt(0)!;
    return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
  });
}

function decode(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
