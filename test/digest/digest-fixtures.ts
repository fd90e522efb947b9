// A digest edition as the composer would store it, made from the web tests' papers: math in titles
// and summaries, a hostile title, author lists short and long, code links safe and not.
import type { DigestContent, DigestEnvelope, DigestPaper } from '../../src/digest/content.ts';
import { firstSentence } from '../../src/paper/text.ts';
import { HOSTILE_ID, MATH_ID, PAPERS, RICH_ID } from '../web/fixtures.ts';

export const BASE_URL = 'https://papers.example.org';

function digestPaper(id: string, reason: string, extra: Partial<DigestPaper> = {}): DigestPaper {
  const p = PAPERS.find((x) => x.id === id)!;
  return {
    id,
    title: p.title,
    authors: p.authors,
    summary: p.hf?.aiSummary ?? firstSentence(p.abstract ?? ''),
    summarySource: p.hf?.aiSummary ? 'ai' : 'abstract',
    reason,
    upvotes: p.hf?.upvotes,
    codeUrl: p.hf?.githubRepo,
    stars: p.hf?.githubStars,
    ...extra,
  };
}

export const HOSTILE_CODE_URL = 'javascript:alert(5)';

export const CONTENT: DigestContent = {
  kind: 'trending',
  title: 'Trending today',
  edition: 'Monday, 3 June 2024',
  viewPath: '/trending',
  papers: [
    digestPaper(RICH_ID, '+152 upvotes in 24 h, +320 GitHub stars'),
    digestPaper(MATH_ID, '+87 upvotes in 24 h'),
    digestPaper(HOSTILE_ID, 'Matches your search “<b>x</b>” & more', { codeUrl: HOSTILE_CODE_URL, stars: 12 }),
    digestPaper('2405.20001', 'Similar to “Diffusion models for protein structure generation”, which you saved', { codeUrl: 'data:text/html,<script>alert(6)</script>' }),
  ],
  total: 23,
};

export const ENVELOPE: DigestEnvelope = {
  siteName: 'Paperboy',
  baseUrl: BASE_URL,
  describe: 'Trending papers, daily at 08:00 (Europe/Berlin)',
  manageUrl: `${BASE_URL}/subscriptions/manage/7.c2lnbmF0dXJlLW9mLWZvcnR5LXRocmVlLWNoYXJzLWxvbmc`,
  unsubscribeUrl: `${BASE_URL}/unsubscribe/12.c2lnbmF0dXJlLW9mLWZvcnR5LXRocmVlLWNoYXJzLWxvbmc`,
  feedbackUrl: (id, verdict) => `${BASE_URL}/digest/feedback/12.c2lnbmF0dXJlLW9mLWZvcnR5LXRocmVlLWNoYXJzLWxvbmc?${new URLSearchParams({ paper: id, v: verdict })}`,
};
