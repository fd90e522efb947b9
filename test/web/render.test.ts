// The pieces every page is made of: escaping, math, snippets, periods.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MARK_END, MARK_START } from '../../src/store/store.ts';
import { html, raw } from '../../src/web/html.ts';
import { markedToHtml, renderMarked, renderMath, snippet } from '../../src/web/math.ts';
import { renderComment } from '../../src/web/markdown.ts';
import { isoWeekKey, parseDay, parseMonth, parseWeek, periodOf } from '../../src/web/periods.ts';

describe('html``', () => {
  test('escapes every interpolation', () => {
    const hostile = `<img src=x onerror="alert('1')"> & co`;
    assert.equal(html`<p title="${hostile}">${hostile}</p>`.value,
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co</p>');
  });

  test('nests Html, joins arrays, drops null/undefined/false, keeps raw()', () => {
    const items = ['<a>', 'b'].map((s) => html`<li>${s}</li>`);
    assert.equal(html`<ul>${items}</ul>${null}${undefined}${false}${0}${raw('<br>')}`.value, '<ul><li>&lt;a&gt;</li><li>b</li></ul>0<br>');
  });
});

describe('renderMath', () => {
  test('renders $...$, $$...$$, \\(...\\) and \\[...\\] with KaTeX and escapes the text around', () => {
    const out = renderMath('Sort <b>in</b> $O(n \\log n)$, \\(x^2\\) and $$\\frac{1}{2}$$ \\[y\\]').value;
    assert.equal((out.match(/class="katex"/g) ?? []).length, 4);
    assert.equal((out.match(/class="katex-display"/g) ?? []).length, 2);
    assert.match(out, /Sort &lt;b&gt;in&lt;\/b&gt; /);
    assert.match(out, /role="math" aria-label="O\(n \\log n\)"/);
  });

  test('leaves prices and unbalanced dollars as text', () => {
    assert.equal(renderMath('costs $5 and $10').value, 'costs $5 and $10');
    assert.equal(renderMath('a lone $ sign').value, 'a lone $ sign');
    assert.equal(renderMath('escaped \\$x\\$ stays').value, 'escaped $x$ stays');
    // real abstracts: money on both sides of a sentence is not a formula
    assert.equal(renderMath('for only $25 and without labelers, at 4$ per hour').value, 'for only $25 and without labelers, at 4$ per hour');
    assert.match(renderMath('$\\text{if and only if } x > 0$').value, /class="katex"/);
    assert.match(renderMath('$n$ items in $O(n \\log n)$ and $2^n$').value, /(class="katex"[\s\S]*){3}/);
  });

  test('neutralises \\href{javascript:...} and HTML-ish commands (trust: false)', () => {
    const out = renderMath('$\\href{javascript:alert(1)}{click}$ $\\url{javascript:alert(2)}$ $\\htmlClass{x}{y}$ $\\includegraphics{http://evil/x.png}$').value;
    assert.doesNotMatch(out, /<a\b/i);
    assert.doesNotMatch(out, /href=/i);
    assert.doesNotMatch(out, /<img\b/i);
    assert.doesNotMatch(out, /class="x"/);
  });

  test('malformed math does not throw and stays escaped', () => {
    const out = renderMath('$\\frac{<script>$ and $\\undefinedmacro{x}$').value;
    assert.doesNotMatch(out, /<script>/);
    assert.match(out, /katex/);
  });

  test('inline option sets display math in the line', () => {
    assert.doesNotMatch(renderMath('a $$x$$ b', { inline: true }).value, /katex-display/);
  });
});

describe('highlights', () => {
  test('escapes first, then turns sentinels into <mark>', () => {
    assert.equal(markedToHtml(`a ${MARK_START}<b>${MARK_END} c`), 'a <mark>&lt;b&gt;</mark> c');
    assert.equal(markedToHtml(`${MARK_START}open`), '<mark>open</mark>');
    assert.equal(markedToHtml(`stray${MARK_END} end`), 'stray end');
  });

  test('a match inside a formula marks the whole rendered formula', () => {
    const out = renderMarked(`see $${MARK_START}x${MARK_END}^2$ and ${MARK_START}<i>${MARK_END}`).value;
    assert.match(out, /<mark><span class="math"/);
    assert.match(out, /<mark>&lt;i&gt;<\/mark>/);
    assert.equal((out.match(/<mark>/g) ?? []).length, (out.match(/<\/mark>/g) ?? []).length);
  });
});

describe('snippet', () => {
  test('short text is returned whole', () => {
    assert.equal(snippet('short $x$', 300), 'short $x$');
  });

  test('cuts at a word boundary and never inside math', () => {
    const text = `${'word '.repeat(55)}$\\sum_{i=1}^{n} i^2 + \\frac{a}{b}$ and more words after the formula`;
    const s = snippet(text, 290);
    assert.ok(s.endsWith('…'));
    assert.equal((s.match(/\$/g) ?? []).length % 2, 0, s);
    assert.ok(s.length <= 291);
    const t = snippet(`${'word '.repeat(70)}`, 300);
    assert.match(t, /word…$/);
  });
});

describe('periods', () => {
  test('days must exist on the calendar', () => {
    assert.equal(parseDay('2024-02-29'), '2024-02-29');
    assert.equal(parseDay('2023-02-29'), undefined);
    assert.equal(parseDay('2024-2-1'), undefined);
  });

  test('ISO weeks, including 53-week years', () => {
    assert.deepEqual(parseWeek('2024-W22'), { kind: 'week', key: '2024-W22', start: '2024-05-27', end: '2024-06-03' });
    assert.equal(parseWeek('2020-W53')?.start, '2020-12-28');
    assert.equal(parseWeek('2021-W53'), undefined);
    assert.equal(parseWeek('2024-W60'), undefined);
    assert.equal(parseWeek('2024-W00'), undefined);
    assert.equal(isoWeekKey('2021-01-03'), '2020-W53');
    assert.equal(isoWeekKey('2024-12-30'), '2025-W01');
  });

  test('the period around any day, across year ends', () => {
    assert.deepEqual(periodOf('week', '2021-01-03'), { kind: 'week', key: '2020-W53', start: '2020-12-28', end: '2021-01-04' });
    assert.equal(periodOf('month', '2024-12-31').end, '2025-01-01');
    assert.equal(periodOf('week', '2999-12-31').key, '3000-W01', 'no range check here: the day exists');
  });

  test('months', () => {
    assert.deepEqual(parseMonth('2024-12'), { kind: 'month', key: '2024-12', start: '2024-12-01', end: '2025-01-01' });
    assert.equal(parseMonth('2024-13'), undefined);
    assert.equal(parseMonth('2024-00'), undefined);
  });
});

describe('links in abstracts and comments on the paper page', () => {
  test('http(s) URLs become links, without the sentence punctuation after them; nothing else does', () => {
    const out = renderMath('Code: https://github.com/a/b. See (https://x.org/a_(b)), http://y.org/?q=1&r=2; javascript:alert(1) and <b>x</b>', { links: true }).value;
    assert.match(out, /<a href="https:\/\/github\.com\/a\/b" rel="nofollow noopener">https:\/\/github\.com\/a\/b<\/a>\./);
    assert.match(out, /<a href="https:\/\/x\.org\/a_\(b\)" rel="nofollow noopener">https:\/\/x\.org\/a_\(b\)<\/a>\),/);
    assert.match(out, /<a href="http:\/\/y\.org\/\?q=1&amp;r=2"/);
    assert.doesNotMatch(out, /href="javascript/);
    assert.match(out, /&lt;b&gt;x&lt;\/b&gt;/);
    assert.doesNotMatch(renderMath('https://github.com/a/b').value, /<a /, 'only when asked (cards are one link already)');
  });

  test('a URL inside math stays math', () => {
    assert.doesNotMatch(renderMath('$\\text{https://x.org}$', { links: true }).value, /<a /);
  });
});

describe('math in Markdown comments', () => {
  test('$…$, \\(…\\) and $$…$$ render through KaTeX, with Markdown around them still Markdown', () => {
    const out = renderComment('The loss $\\mathcal{L} = \\sum_i x_i^2$ is *convex*; \\(a_b\\) and $$\\int_0^1 f$$').value;
    assert.equal(out.match(/class="math"/g)?.length, 3);
    assert.match(out, /aria-label="\\mathcal\{L\} = \\sum_i x_i\^2"/, 'underscores and backslashes reach KaTeX, not Markdown');
    assert.match(out, /<em>convex<\/em>/);
  });

  test('dollars that are money, math in code, and hostile text stay inert', () => {
    assert.equal(renderComment('Costs $5 and $10').value.trim(), '<p>Costs $5 and $10</p>');
    assert.equal(renderComment('code `$x$` stays').value.trim(), '<p>code <code>$x$</code> stays</p>');
    const hostile = renderComment('<script>alert(1)</script> $\\href{javascript:alert(1)}{x}$ \uE0200\uE021').value;
    assert.doesNotMatch(hostile, /<script|href="javascript/);
    assert.match(hostile, /&lt;script&gt;/);
  });
});
