// A digest edition as mail: a subject, an HTML part and a plain-text part that reads as well on its
// own. Mail clients keep little of the web: no scripts, no stylesheets (Gmail and Outlook drop most
// of <style>), no web fonts, and remote images are a tracking channel we do not want. So the HTML
// is tables with inline styles and system fonts, loads nothing, and only the dark-mode overrides
// live in <style>, where clients that honour prefers-color-scheme read them. Math is written out
// in Unicode (KaTeX's output needs its stylesheet and fonts), and every piece of text from papers
// or readers is escaped.
import { plainMath } from '../paper/plain-math.ts';
import { html, raw, type Html } from '../web/html.ts';
import type { DigestContent, DigestEnvelope, DigestPaper, RenderedDigest } from './content.ts';

export function renderDigest(content: DigestContent, envelope: DigestEnvelope): RenderedDigest {
  const subject = digestSubject(content);
  const papers = content.papers.map((p) => paperView(p, envelope));
  return { subject, text: renderText(content, envelope, papers), html: renderHtml(content, envelope, papers, subject).value };
}

/** What both parts show of a paper, worked out once: math as Unicode, links checked. */
interface PaperView {
  paper: DigestPaper;
  title: string;
  summary: string;
  authors: string;
  page: string;
  pdf: string;
  /** Only an http(s) address: codeUrl comes from sources we do not control. */
  code?: string;
  more: string;
  fewer: string;
}

const MAX_AUTHORS = 5;

function paperView(paper: DigestPaper, envelope: DigestEnvelope): PaperView {
  const authors = paper.authors.slice(0, MAX_AUTHORS).join(', ') + (paper.authors.length > MAX_AUTHORS ? ' et al.' : '');
  return {
    paper,
    title: plainOnce(paper.title),
    summary: plainOnce(paper.summary),
    authors,
    page: `${envelope.baseUrl}/papers/${paper.id}`,
    pdf: `https://arxiv.org/pdf/${paper.id}`,
    code: paper.codeUrl ? httpUrl(paper.codeUrl) : undefined,
    more: envelope.feedbackUrl(paper.id, 'more'),
    fewer: envelope.feedbackUrl(paper.id, 'fewer'),
  };
}

/** A run sends the same papers to many readers: each title and summary is turned into plain text once. */
const plain = new Map<string, string>();
const MAX_REMEMBERED = 20_000;

function plainOnce(text: string): string {
  let found = plain.get(text);
  if (found === undefined) {
    if (plain.size >= MAX_REMEMBERED) plain.clear();
    plain.set(text, (found = plainMath(text)));
  }
  return found;
}

function httpUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

// ---- Subject ----

const MAX_SUBJECT = 100;

/** "Trending today: 12 papers · Mon, 7 Dec 2026": the count and date survive a long title. */
function digestSubject(content: DigestContent): string {
  const tail = oneLine(`: ${count(Math.max(content.total, content.papers.length), 'paper')} · ${shortEdition(content.edition)}`);
  const title = oneLine(content.title);
  return tail.length < MAX_SUBJECT / 2 ? cutAtWord(title, MAX_SUBJECT - tail.length) + tail : cutAtWord(title + tail, MAX_SUBJECT);
}

/**
 * A header line: a reader's query is in the title, so CR/LF (header injection) and every other
 * control, line-separator or bidi-override character become spaces.
 */
function oneLine(s: string): string {
  return s
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const LONG_NAMES = /\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|August|September|October|November|December)\b/g;

/** "Monday, 7 December 2026" → "Mon, 7 Dec 2026"; "Week 49 of 2026 (30 November – 6 December)" → "Week 49 of 2026". */
function shortEdition(edition: string): string {
  return edition.replace(/\s*\([^)]*\)/g, '').replace(LONG_NAMES, (name) => name.slice(0, 3));
}

function cutAtWord(s: string, max: number): string {
  if (s.length <= max) return s;
  const space = s.lastIndexOf(' ', max - 1);
  return `${s.slice(0, space > max / 2 ? space : max - 1).replace(/[\s,;:.·–-]+$/, '')}…`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** 987 → "987", 1234 → "1.2k", 25300 → "25k": a glance, not a statistic. */
function compact(n: number): string {
  if (n < 1000) return String(n);
  const k = n / 1000;
  return `${k < 10 ? k.toFixed(1).replace(/\.0$/, '') : Math.round(k)}k`;
}

function shownOf(content: DigestContent): string {
  return content.total > content.papers.length ? `${content.papers.length} of ${count(content.total, 'paper')}` : count(content.papers.length, 'paper');
}

// ---- Plain text ----

const WIDTH = 76;

function renderText(content: DigestContent, envelope: DigestEnvelope, papers: PaperView[]): string {
  const listUrl = envelope.baseUrl + content.viewPath;
  const lines = [...wrap(`${envelope.siteName} · ${content.title}`, '', ''), ...wrap(content.edition, '', ''), '', ...wrap(`${shownOf(content)}. On the hub: ${listUrl}`, '', ''), ''];
  papers.forEach((v, i) => {
    const number = `${i + 1}. `;
    const indent = ' '.repeat(number.length);
    lines.push(
      ...wrap(v.title, number, indent),
      ...wrap(v.authors, indent, indent),
      ...wrap(v.paper.summarySource === 'ai' ? `AI summary: ${v.summary}` : v.summary, indent, indent),
      ...wrap(`Why: ${v.paper.reason}`, indent, indent),
      ...(v.paper.upvotes ? [`${indent}Upvotes: ${v.paper.upvotes}`] : []),
      // Links stay whole on their line, however long: a broken URL is a dead one.
      `${indent}Read: ${v.page}`,
      `${indent}PDF: ${v.pdf}`,
      ...(v.code ? [`${indent}Code: ${v.code}${v.paper.stars ? ` (★ ${compact(v.paper.stars)})` : ''}`] : []),
      `${indent}More like this: ${v.more}`,
      `${indent}Fewer like this: ${v.fewer}`,
      '',
    );
  });
  lines.push(
    '-- ', // the signature delimiter: clients fold what follows
    ...wrap(`You get this because you subscribed to ${envelope.describe}.`, '', ''),
    `Manage your subscriptions: ${envelope.manageUrl}`,
    `Unsubscribe: ${envelope.unsubscribeUrl}`,
    `${envelope.siteName} · ${envelope.baseUrl}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Prose in lines of at most WIDTH columns (a word longer than that, such as a URL, gets a line of its own). */
function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of oneLine(text).split(' ')) {
    const start = line === first || line === rest;
    if (!start && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = rest + word;
    } else line += (start ? '' : ' ') + word;
  }
  lines.push(line);
  return lines;
}

// ---- HTML ----

/** The hub's own palette (src/web/static/style.css), light and dark. */
const LIGHT = { page: '#f6f7fb', card: '#ffffff', sunken: '#f1f3f9', text: '#141a2b', muted: '#525c72', faint: '#6b7487', border: '#e1e5ee', accent: '#4338ca', onAccent: '#ffffff', accentSoft: '#eef0ff', vote: '#c2410c', voteSoft: '#fff4ec' };
const DARK: typeof LIGHT = { page: '#0d111a', card: '#151a26', sunken: '#1b2130', text: '#e6e9f0', muted: '#a4acbd', faint: '#8d96a8', border: '#262d3d', accent: '#a5b4fc', onAccent: '#0d111a', accentSoft: '#1f2547', vote: '#fdba74', voteSoft: '#2a1d14' };
type Swatch = keyof typeof LIGHT;

/** Each coloured element has a role: its light colours inline, its dark ones in one class rule. */
const ROLES = {
  page: { background: 'page' },
  card: { background: 'card', border: 'border' },
  text: { color: 'text' },
  muted: { color: 'muted' },
  faint: { color: 'faint' },
  link: { color: 'accent' },
  label: { color: 'accent', background: 'accentSoft' },
  votes: { color: 'vote', background: 'voteSoft' },
  button: { color: 'onAccent', background: 'accent', border: 'accent' },
  chip: { color: 'text', background: 'sunken', border: 'border' },
  rule: { border: 'border' },
} as const satisfies Record<string, { color?: Swatch; background?: Swatch; border?: Swatch }>;
type Role = keyof typeof ROLES;

function colours(role: Role, palette: typeof LIGHT, important = ''): string {
  const r: { color?: Swatch; background?: Swatch; border?: Swatch } = ROLES[role];
  return [r.color && `color:${palette[r.color]}${important}`, r.background && `background-color:${palette[r.background]}${important}`, r.border && `border-color:${palette[r.border]}${important}`]
    .filter(Boolean)
    .join(';');
}

/** class and style attributes: layout first, then the role's colours (a border shorthand would reset them). */
function paint(role: Role, layout = ''): Html {
  return raw(`class="pb-${role}" style="${[layout, colours(role, LIGHT)].filter(Boolean).join(';')}"`);
}

const DARK_CSS = `:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media (prefers-color-scheme: dark) {
${(Object.keys(ROLES) as Role[]).map((role) => `  .pb-${role} { ${colours(role, DARK, ' !important')} }`).join('\n')}
}`;

/**
 * System fonts only; names unquoted (valid CSS) so that nothing in a style attribute needs escaping.
 * Set on every <td> (Outlook for Windows does not pass a font from a table into its cells) and
 * inherited from there by what a cell holds: set on every element, it was half of a digest's bytes.
 */
const FONT = 'font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
const TABLE = raw('role="presentation" cellpadding="0" cellspacing="0" border="0"');
const FOOTNOTE = `${FONT};font-size:12px;line-height:1.6;text-align:center`;
const PILL = 'display:inline-block;padding:3px 10px;border-radius:11px';
const DOT = raw(' &nbsp;·&nbsp; ');
/** Outlook for Windows ignores max-width: it alone reads these comments and gets a fixed 600 px column. */
const MSO_OPEN = raw('<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->');
const MSO_CLOSE = raw('<!--[if mso]></td></tr></table><![endif]-->');
/** After the preheader, so that clients do not fill their preview line with the mail's first words. */
const PREHEADER_FILL = raw('&#847;&zwnj;&nbsp;'.repeat(80));

function renderHtml(content: DigestContent, envelope: DigestEnvelope, papers: PaperView[], subject: string): Html {
  const listUrl = envelope.baseUrl + content.viewPath;
  const preheader = cutAtWord(papers.map((v) => v.title).join(' · '), 150);
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${subject}</title>
<style>
${raw(DARK_CSS)}
</style>
</head>
<body ${paint('page', `margin:0;padding:0;width:100%;-webkit-text-size-adjust:100%;${FONT}`)}>
<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;font-size:1px;line-height:1px">${preheader}${PREHEADER_FILL}</div>
<table ${TABLE} width="100%" ${paint('page')}>
<tr><td align="center" style="padding:32px 12px 40px">
${MSO_OPEN}<table ${TABLE} width="600" style="width:100%;max-width:600px">
<tr><td style="padding:0 4px 22px;${FONT}">
<table ${TABLE} width="100%"><tr>
<td ${paint('link', `${FONT};font-size:13px;font-weight:700;letter-spacing:0.06em;text-transform:uppercase`)}>${envelope.siteName}</td>
<td align="right" style="${FONT};font-size:13px">${textLink(listUrl, 'View on the hub →')}</td>
</tr></table>
<h1 ${paint('text', `margin:10px 0 6px;font-size:26px;line-height:1.25;font-weight:700`)}>${content.title}</h1>
<p ${paint('muted', `margin:0;font-size:14px;line-height:1.5`)}>${content.edition} · ${shownOf(content)}</p>
</td></tr>
${papers.map(paperCard)}
${content.total > papers.length ? html`<tr><td align="center" style="padding:8px 0 28px;${FONT};font-size:14px">${textLink(listUrl, `See all ${count(content.total, 'paper')} on ${envelope.siteName} →`)}</td></tr>` : ''}
<tr><td ${paint('rule', `padding:24px 4px 0;border-top-width:1px;border-top-style:solid`)}>
<p ${paint('muted', `margin:0 0 8px;${FOOTNOTE}`)}>You get this because you subscribed to ${envelope.describe}.</p>
<p ${paint('muted', `margin:0 0 8px;${FOOTNOTE}`)}>${textLink(envelope.manageUrl, 'Manage your subscriptions', 'underline')}${DOT}${textLink(envelope.unsubscribeUrl, 'Unsubscribe', 'underline')}</p>
<p ${paint('faint', `margin:0;${FOOTNOTE}`)}>${envelope.siteName}</p>
</td></tr>
</table>${MSO_CLOSE}
</td></tr>
</table>
</body>
</html>
`;
}

function paperCard(v: PaperView, i: number): Html {
  const { paper } = v;
  return html`<tr><td style="padding:0 0 14px">
<table ${TABLE} width="100%" ${paint('card', 'border-width:1px;border-style:solid;border-radius:12px')}>
<tr><td style="padding:20px 22px 18px;${FONT}">
<table ${TABLE} width="100%"><tr>
<td valign="top" width="1" ${paint('faint', `padding:3px 8px 0 0;${FONT};font-size:12px;line-height:1.4;font-weight:700;white-space:nowrap`)}>${i + 1}</td>
<td valign="top" style="${FONT};font-size:12px;line-height:1.4"><span ${paint('label', `${PILL};font-weight:600`)}>${paper.reason}</span></td>
${paper.upvotes ? html`<td valign="top" align="right" style="${FONT};font-size:12px;line-height:1.4;white-space:nowrap;padding-left:8px"><span ${paint('votes', `${PILL};font-weight:700`)} title="upvotes">▲ ${paper.upvotes}</span></td>` : ''}
</tr></table>
<h2 style="margin:12px 0 6px;font-size:18px;line-height:1.35;font-weight:700"><a href="${v.page}" ${paint('text', 'text-decoration:none')}>${v.title}</a></h2>
<p ${paint('muted', `margin:0;font-size:13px;line-height:1.5`)}>${v.authors}</p>
<p ${paint('text', `margin:10px 0 0;font-size:15px;line-height:1.55`)}>${paper.summarySource === 'ai' ? html`<span ${paint('faint', 'margin-right:6px;font-size:11px;font-weight:700;letter-spacing:0.05em;text-transform:uppercase')}>AI summary</span> ` : ''}${v.summary}</p>
<table ${TABLE} style="margin-top:16px"><tr>
<td style="padding:0 6px 0 0;${FONT}">${button(v.page, 'Paper', 'button')}</td>
<td style="padding:0 6px 0 0;${FONT}">${button(v.pdf, 'PDF', 'chip')}</td>
${v.code ? html`<td style="padding:0 6px 0 0;${FONT}">${button(v.code, paper.stars ? `Code ★ ${compact(paper.stars)}` : 'Code', 'chip')}</td>` : ''}
</tr></table>
<p ${paint('muted', `margin:14px 0 0;font-size:12px;line-height:1.5`)}>${textLink(v.more, 'More like this')}${DOT}${textLink(v.fewer, 'Fewer like this')}</p>
</td></tr>
</table>
</td></tr>
`;
}

function textLink(href: string, label: string, decoration: 'none' | 'underline' = 'none'): Html {
  return html`<a href="${href}" ${paint('link', `text-decoration:${decoration};font-weight:600`)}>${label}</a>`;
}

function button(href: string, label: string, role: 'button' | 'chip'): Html {
  return html`<a href="${href}" ${paint(role, `display:inline-block;padding:7px 14px;border:1px solid;border-radius:8px;font-size:13px;font-weight:600;line-height:1.2;text-decoration:none;white-space:nowrap`)}>${label}</a>`;
}
