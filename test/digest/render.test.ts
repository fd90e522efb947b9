// The digest mail as rendered: escaped hostile text, nothing remote, every link a paper needs,
// math written out, a plain-text part that stands alone, and a subject that is one safe line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DigestContent } from '../../src/digest/content.ts';
import { renderDigest } from '../../src/digest/render.ts';
import { HOSTILE_TITLE, MATH_ID, PAPERS, RICH_ID, visible } from '../web/fixtures.ts';
import { BASE_URL, CONTENT, ENVELOPE, HOSTILE_CODE_URL } from './digest-fixtures.ts';

const rendered = renderDigest(CONTENT, ENVELOPE);
const { html, text } = rendered;

// Outlook's conditional comments are ours (a fixed-width column); any other comment would not be.
const tags = (markup: string) => markup.replace(/<!--\[if mso\]>|<!\[endif\]-->/g, '').match(/<[^>]*>/g) ?? [];
const hrefs = (markup: string) => [...markup.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
const subjectOf = (title: string, extra: Partial<DigestContent> = {}) => renderDigest({ ...CONTENT, title, ...extra }, ENVELOPE).subject;

describe('renderDigest: HTML', () => {
  test('hostile titles, authors, summaries and reasons are escaped, and still read as text', () => {
    const ours = new Set(['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'div', 'table', 'tr', 'td', 'h1', 'h2', 'p', 'a', 'span']);
    for (const tag of tags(html)) {
      assert.ok(ours.has(/^<\/?([!\w]+)/.exec(tag)![1]!.toLowerCase()), `only our own elements: ${tag}`);
      assert.doesNotMatch(tag, /onerror|onload|javascript:|<script|<img|<svg/i, tag);
    }
    const page = visible(html);
    assert.ok(page.includes(HOSTILE_TITLE), 'the hostile title shows as the text it is');
    assert.ok(page.includes('<script>alert(4)</script> Mallory, Eve'));
    assert.ok(page.includes('Titles are untrusted: <b>bold</b> "quotes" & ampersands, <svg onload=alert(2)>'));
    assert.ok(page.includes('Matches your search “<b>x</b>” & more'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; Adversarial &lt;script&gt;window.__pwned=1&lt;/script&gt; titles'));
  });

  test('a hostile digest title (a reader’s search) is escaped in the heading and <title>', () => {
    const out = renderDigest({ ...CONTENT, title: 'New papers on “</title><script>alert(7)</script>”' }, ENVELOPE).html;
    assert.doesNotMatch(out, /<script/i);
    assert.match(out, /<title>New papers on “&lt;\/title&gt;&lt;script&gt;alert\(7\)&lt;\/script&gt;”/);
    assert.match(out, /<h1 [^>]*>New papers on “&lt;\/title&gt;&lt;script&gt;alert\(7\)&lt;\/script&gt;”<\/h1>/);
  });

  test('loads nothing: no src, stylesheet link, url() or @import, and no script', () => {
    const benign = renderDigest({ ...CONTENT, papers: CONTENT.papers.filter((p) => !/[<>]/.test(p.title)) }, ENVELOPE).html;
    for (const markup of [benign, html]) {
      assert.doesNotMatch(markup, /<link|<img|<script|<iframe|<object|@import|@font-face/i);
      assert.doesNotMatch(markup, /url\(/i);
    }
    assert.doesNotMatch(benign, /src=/i);
    assert.ok(tags(html).every((t) => !/\ssrc=/i.test(t)), 'no element has a src');
    assert.equal(html.match(/<style>/g)?.length, 1, 'one <style>, for dark mode only');
  });

  test('every paper links to its hub page, its PDF and both feedback links, all absolute', () => {
    const links = hrefs(html);
    for (const p of CONTENT.papers) {
      for (const url of [`${BASE_URL}/papers/${p.id}`, `https://arxiv.org/pdf/${p.id}`, ENVELOPE.feedbackUrl(p.id, 'more'), ENVELOPE.feedbackUrl(p.id, 'fewer')]) {
        assert.ok(links.includes(url), `${p.id}: ${url}`);
      }
    }
    assert.equal(links.filter((u) => u === `${BASE_URL}/papers/${MATH_ID}`).length, 2, 'the title and the Paper button');
    for (const url of links) assert.match(url, /^https:\/\/[^\s"<>]+$/);
    assert.equal(visible(html).match(/More like this/g)?.length, CONTENT.papers.length);
    assert.equal(visible(html).match(/Fewer like this/g)?.length, CONTENT.papers.length);
  });

  test('code links only for http(s) addresses, with stars when known', () => {
    const links = hrefs(html);
    assert.ok(links.includes('https://github.com/example/learned-sort'));
    assert.ok(links.includes('https://github.com/example/protein-diffusion'));
    assert.ok(!links.some((u) => u.startsWith('javascript:') || u.startsWith('data:')));
    assert.doesNotMatch(html, new RegExp(HOSTILE_CODE_URL.replace(/[()]/g, '\\$&')));
    assert.doesNotMatch(html, /data:text/);
    assert.deepEqual(visible(html).match(/Code( ★ [\d.k]+)?/g), ['Code ★ 987', 'Code ★ 1.2k']);
  });

  test('math in titles and summaries is written out in Unicode; no TeX is left', () => {
    const page = visible(html);
    assert.ok(page.includes('Sorting in O(n log n) time with learned comparators'));
    assert.ok(page.includes('We show that a learned comparator sorts n items in O(n log n) comparisons with high probability.'));
    assert.ok(page.includes('with an SE(3)-equivariant network.'));
    assert.ok(page.includes('and math that tries to link click me must all come out as text.'));
    assert.doesNotMatch(page, /\$|\\log|\\href|katex/i);
  });

  test('per paper: the first five authors then "et al.", the reason, upvotes, and an AI summary marked as such', () => {
    const page = visible(html);
    assert.ok(page.includes('Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra, Barbara Liskov et al.'));
    assert.ok(!page.includes('Donald Knuth'));
    assert.ok(page.includes('Jane Doe, John Roe'));
    assert.ok(page.includes('+87 upvotes in 24 h'));
    assert.ok(page.includes('▲ 152') && page.includes('▲ 87'));
    assert.ok(page.includes('AI summary A diffusion model generates protein backbones'));
    assert.equal(page.match(/AI summary/g)?.length, 1);
  });

  test('a header with the site, title, edition and the whole list; a footer with why, manage and unsubscribe', () => {
    const page = visible(html);
    assert.ok(page.includes('Paperboy'));
    assert.match(html, /<h1 [^>]*>Trending today<\/h1>/);
    assert.ok(page.includes('Monday, 3 June 2024 · 4 of 23 papers'));
    assert.ok(hrefs(html).includes(`${BASE_URL}/trending`));
    assert.ok(page.includes('See all 23 papers on Paperboy'));
    assert.ok(page.includes('You get this because you subscribed to Trending papers, daily at 08:00 (Europe/Berlin).'));
    assert.ok(hrefs(html).includes(ENVELOPE.manageUrl) && hrefs(html).includes(ENVELOPE.unsubscribeUrl));
    assert.match(html, /<a href="[^"]+\/subscriptions\/manage\/[^"]+"[^>]*>Manage your subscriptions<\/a>/);
    assert.match(html, /<a href="[^"]+\/unsubscribe\/[^"]+"[^>]*>Unsubscribe<\/a>/);
    const all = renderDigest({ ...CONTENT, total: CONTENT.papers.length }, ENVELOPE).html;
    assert.ok(!visible(all).includes('See all'), 'no "see all" when every paper is in the mail');
  });

  test('a hidden preheader with the first titles, before the layout', () => {
    const m = /<body[^>]*>\s*<div style="display:none[^"]*">([^<]*)/.exec(html);
    assert.ok(m, 'the preheader is the first thing in the body, hidden');
    assert.ok(m[1]!.startsWith('Diffusion models for protein structure generation · Sorting in O(n log n) time with learned comparators'));
  });

  test('dark mode: the color-scheme metas and one media query over the elements’ classes', () => {
    assert.match(html, /<meta name="color-scheme" content="light dark">/);
    assert.match(html, /<meta name="supported-color-schemes" content="light dark">/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    assert.match(style, /:root \{ color-scheme: light dark; supported-color-schemes: light dark; \}/);
    assert.match(style, /@media \(prefers-color-scheme: dark\)/);
    assert.match(style, /\.pb-page \{ background-color:#0d111a !important \}/);
    for (const cls of new Set([...html.matchAll(/class="([\w-]+)"/g)].map((m) => m[1]!))) assert.ok(style.includes(`.${cls} {`), `${cls} has a dark colour`);
    assert.match(html, /<body class="pb-page" style="[^"]*background-color:#f6f7fb/, 'light colours inline');
  });
});

describe('renderDigest: plain text', () => {
  test('has no markup of ours; hostile text appears verbatim, as text', () => {
    assert.ok(text.includes(HOSTILE_TITLE.split(' titles')[0]!.slice(0, 40)));
    const withoutData = text.replace(/<img src=x onerror=alert\(1\)>|<\/?script>|<\/?b>|<svg\s+onload=alert\(2\)>/g, '');
    assert.doesNotMatch(withoutData, /[<>]/);
    assert.doesNotMatch(text, /&(amp|lt|gt|quot|#\d+);/);
  });

  test('reads by itself: heading, edition, numbered papers with summary, why and links, then a footer', () => {
    const lines = text.split('\n');
    assert.equal(lines[0], 'Paperboy · Trending today');
    assert.equal(lines[1], 'Monday, 3 June 2024');
    assert.ok(text.includes(`4 of 23 papers. On the hub: ${BASE_URL}/trending`));
    assert.ok(text.includes('2. Sorting in O(n log n) time with learned comparators\n'));
    assert.ok(text.includes('   Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra, Barbara Liskov\n   et al.\n'));
    assert.ok(text.includes('   We show that a learned comparator sorts n items in O(n log n) comparisons\n   with high probability.\n'));
    assert.ok(text.includes('   AI summary: A diffusion model generates protein backbones with an\n   SE(3)-equivariant network.'));
    assert.ok(text.includes('   Why: +87 upvotes in 24 h\n   Upvotes: 87\n'));
    for (const p of CONTENT.papers) {
      assert.ok(text.includes(`   Read: ${BASE_URL}/papers/${p.id}\n   PDF: https://arxiv.org/pdf/${p.id}\n`), p.id);
      assert.ok(text.includes(`   More like this: ${ENVELOPE.feedbackUrl(p.id, 'more')}\n   Fewer like this: ${ENVELOPE.feedbackUrl(p.id, 'fewer')}\n`), p.id);
    }
    assert.ok(text.includes(`   Code: https://github.com/example/learned-sort (★ 1.2k)\n`));
    assert.equal(text.match(/Code: /g)?.length, 2, 'no code line for unsafe addresses');
    assert.ok(text.endsWith(`-- \nYou get this because you subscribed to Trending papers, daily at 08:00\n(Europe/Berlin).\nManage your subscriptions: ${ENVELOPE.manageUrl}\nUnsubscribe: ${ENVELOPE.unsubscribeUrl}\nPaperboy · ${BASE_URL}\n`));
  });

  test('prose wraps at 76 columns; URLs are never broken', () => {
    for (const line of text.split('\n')) if (!/https?:\/\//.test(line)) assert.ok(line.length <= 76, line);
    const urls = text.match(/https?:\/\/\S+/g)!;
    for (const p of CONTENT.papers) assert.ok(urls.includes(ENVELOPE.feedbackUrl(p.id, 'fewer')));
    assert.ok(urls.includes(ENVELOPE.unsubscribeUrl));
    const longWord = renderDigest({ ...CONTENT, papers: [{ ...CONTENT.papers[0]!, summary: `See ${'x'.repeat(100)} for more.` }] }, ENVELOPE).text;
    assert.ok(longWord.includes(`   AI summary: See\n   ${'x'.repeat(100)}\n   for more.\n`));
  });
});

describe('renderDigest: subject', () => {
  test('the title, how many papers and the edition, short', () => {
    assert.equal(rendered.subject, 'Trending today: 23 papers · Mon, 3 Jun 2024');
    assert.equal(subjectOf('New papers by Yann LeCun', { edition: 'Week 49 of 2026 (30 November – 6 December)', total: 1, papers: CONTENT.papers.slice(0, 1) }), 'New papers by Yann LeCun: 1 paper · Week 49 of 2026');
    assert.equal(subjectOf('Trending today', { total: 1234 }), 'Trending today: 1,234 papers · Mon, 3 Jun 2024');
  });

  test('CR, LF and every other control character are gone: no header injection', () => {
    for (const title of ['New papers on “x”\r\nBcc: victim@example.org', 'a\rb\nc\u0000d\u2028e\u202ef\tg']) {
      const subject = subjectOf(title);
      assert.doesNotMatch(subject, /[\r\n\u0000-\u001f\u007f\u2028\u2029\u202e]/);
    }
    assert.equal(subjectOf('New papers on “x”\r\nBcc: victim@example.org'), 'New papers on “x” Bcc: victim@example.org: 23 papers · Mon, 3 Jun 2024');
  });

  test('a long title is cut on a word boundary with an ellipsis, keeping the count and edition', () => {
    const subject = subjectOf(`New papers on “${'diffusion speech synthesis '.repeat(8).trim()}”`);
    assert.ok(subject.length <= 100, subject);
    assert.match(subject, /^New papers on “diffusion speech synthesis .* (diffusion|speech|synthesis)…: 23 papers · Mon, 3 Jun 2024$/);
  });
});

test('the fixture digest uses the web fixtures’ papers, so their hostile and math titles are what is tested', () => {
  assert.ok(CONTENT.papers.some((p) => p.title === HOSTILE_TITLE));
  assert.ok(CONTENT.papers.some((p) => p.id === RICH_ID && p.summarySource === 'ai'));
  assert.ok(PAPERS.find((p) => p.id === MATH_ID)!.title.includes('$O(n \\log n)$'));
});
