// Papers for the web tests: several listing days (one busy enough to page), math in titles and
// abstracts, hostile text, Hugging Face signals, an old-style id with versions.
import type { PaperRecord } from '../../src/paper/types.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';

export const LATEST_DAY = '2024-06-03';
export const BUSY_DAY = '2024-05-28'; // 35 papers: two pages
export const EMPTY_DAY = '2024-05-30'; // between 05-29 and 05-31, no papers
export const MATH_ID = '2405.10001';
export const HOSTILE_ID = '2405.10002';
export const RICH_ID = '2207.06389';
export const OLD_ID = 'hep-th/9901001';

export const HOSTILE_TITLE = '<img src=x onerror=alert(1)> Adversarial <script>window.__pwned=1</script> titles';

const hf = (dailyDate: string, upvotes: number, extra: Partial<NonNullable<PaperRecord['hf']>> = {}) => ({ dailyDate, upvotes, ...extra });

export const PAPERS: PaperRecord[] = [
  {
    id: MATH_ID,
    title: 'Sorting in $O(n \\log n)$ time with learned comparators',
    abstract:
      'We show that a learned comparator sorts $n$ items in $O(n \\log n)$ comparisons with high probability. ' +
      'Our bound holds for any distribution $\\mathcal{D}$ over inputs, and the constant satisfies $$c \\le \\frac{3}{2} + \\epsilon.$$ ' +
      'Experiments on tabular data confirm that the comparator transfers across domains and that the number of calls to the model ' +
      'stays within the bound $\\sum_{i=1}^{n} \\lceil \\log_2 i \\rceil$ in practice, even when the labels are noisy.',
    authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'],
    categories: ['cs.DS', 'cs.LG'],
    published: '2024-05-30T17:59:00.000Z',
    listedAt: `${LATEST_DAY}T00:00:00.000Z`,
    hf: hf(LATEST_DAY, 87, { githubRepo: 'https://github.com/example/learned-sort', githubStars: 1234, numComments: 4 }),
  },
  {
    id: HOSTILE_ID,
    title: HOSTILE_TITLE,
    abstract:
      'Titles are untrusted: <b>bold</b> "quotes" & ampersands, <svg onload=alert(2)>, and math that tries to link ' +
      '$\\href{javascript:alert(3)}{click me}$ must all come out as text.',
    authors: ['<script>alert(4)</script> Mallory', 'Eve'],
    categories: ['cs.CR'],
    published: '2024-06-01T10:00:00.000Z',
    listedAt: `${LATEST_DAY}T00:00:00.000Z`,
    comments: 'Accepted at <i>NoWhere</i> 2024; 12 pages',
    hf: hf(LATEST_DAY, 3),
  },
  {
    id: RICH_ID,
    title: 'Diffusion models for protein structure generation',
    abstract:
      'We introduce a diffusion model over protein backbones that generates designable structures.\n\n' +
      'A second paragraph explains the $SE(3)$-equivariant score network and the sampling schedule.',
    authors: ['Jane Doe', 'John Roe'],
    categories: ['q-bio.BM', 'cs.LG'],
    published: '2022-07-13T17:00:00.000Z',
    updated: '2023-01-20T12:00:00.000Z',
    latestVersion: 2,
    versions: [
      { version: 1, created: '2022-07-13T17:00:00.000Z', size: '2.1MB' },
      { version: 2, created: '2023-01-20T12:00:00.000Z', size: '2.4MB' },
    ],
    comments: 'ICML 2023 camera ready',
    journalRef: 'Proceedings of ICML 2023, pp. 1-20',
    doi: '10.48550/arXiv.2207.06389',
    license: 'http://creativecommons.org/licenses/by/4.0/',
    codeUrls: ['https://github.com/example/protein-diffusion'],
    projectPage: 'https://example.org/protein-diffusion',
    listedAt: '2024-05-31T00:00:00.000Z',
    hf: hf('2024-05-31', 152, {
      githubRepo: 'https://github.com/example/protein-diffusion',
      githubStars: 987,
      aiSummary: 'A diffusion model generates protein backbones with an $SE(3)$-equivariant network.',
      aiKeywords: ['diffusion', 'protein design'],
      submitter: 'akhaliq',
    }),
  },
  {
    id: '2405.20001',
    title: 'Diffusion transformers scale to long videos',
    abstract: 'Scaling diffusion transformers to minute-long videos with a memory of past frames.',
    authors: ['Jane Doe', 'Kai Li'],
    categories: ['cs.CV'],
    published: '2024-05-29T12:00:00.000Z',
    listedAt: '2024-05-31T00:00:00.000Z',
    hf: hf('2024-05-31', 40),
  },
  {
    id: '2405.20002',
    title: 'A survey of retrieval-augmented generation',
    abstract: 'We survey retrieval augmented generation, from sparse retrievers to learned dense indexes.',
    authors: ['Sam Poe'],
    categories: ['cs.CL'],
    published: '2024-05-28T09:00:00.000Z',
    listedAt: '2024-05-29T00:00:00.000Z',
  },
  {
    id: OLD_ID,
    title: 'Large N limit of superconformal field theories and supergravity',
    abstract: 'We show that the large $N$ limit of certain conformal field theories includes gravity.',
    authors: ['Juan Maldacena'],
    categories: ['hep-th'],
    published: '1999-01-01T00:00:00.000Z',
    latestVersion: 3,
    versions: [
      { version: 1, created: '1999-01-01T00:00:00.000Z', size: '40kb' },
      { version: 2, created: '1999-01-05T00:00:00.000Z', size: '41kb' },
      { version: 3, created: '1999-02-01T00:00:00.000Z', size: '42kb' },
    ],
    listedAt: '2024-05-27T00:00:00.000Z',
  },
  ...Array.from({ length: 35 }, (_, i): PaperRecord => ({
    id: `2405.3${String(i).padStart(4, '0')}`,
    title: `Busy day paper number ${i + 1} on graph neural networks`,
    abstract: `Paper ${i + 1} of a busy day studies message passing in graph neural networks.`,
    authors: [`Author ${i + 1}`],
    categories: ['cs.LG'],
    published: '2024-05-27T12:00:00.000Z',
    listedAt: `${BUSY_DAY}T00:00:00.000Z`,
    hf: hf(BUSY_DAY, 100 - i),
  })),
];

export async function fixtureStore(): Promise<Store> {
  const store = await openSqliteStore(':memory:');
  await store.upsertPapers(PAPERS);
  return store;
}

/** The page's text as a reader sees it: tags gone, entities decoded, whitespace collapsed. */
export function visible(body: string): string {
  return body
    .replace(/<head>[\s\S]*?<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
