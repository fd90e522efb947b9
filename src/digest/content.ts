// What an edition of a digest says, as the composer stores it in the outbox (JSON) and the mail is
// rendered from at sending time. It holds everything the mail shows, so a mail sent again after a
// crash reads exactly as the first, whatever has changed in the hub since.
import type { SubscriptionKind } from '../store/subscriptions.ts';

export interface DigestPaper {
  id: string;
  /** As stored: untrusted, may hold TeX ($...$). */
  title: string;
  authors: string[];
  /** One line: Hugging Face's AI summary when there is one, else the abstract's first sentence (untrusted, may hold TeX). */
  summary: string;
  summarySource: 'ai' | 'abstract';
  /** Why it is in this digest: "+42 upvotes in 24 h", "matches your search “diffusion”", "similar to X, which you saved". */
  reason: string;
  /** Hugging Face upvotes plus votes here, when there are any. */
  upvotes?: number;
  codeUrl?: string;
  stars?: number;
}

export interface DigestContent {
  kind: SubscriptionKind;
  /** What the digest follows, as a heading: "Trending today", "New papers on “speech synthesis”", "New papers by Yann LeCun". */
  title: string;
  /** Which edition, in words: "Monday, 7 December 2026" or "Week 49 of 2026 (30 November – 6 December)". */
  edition: string;
  /** The hub page with the whole list (a path: /trending, /topics/…, /authors/…). */
  viewPath: string;
  papers: DigestPaper[];
  /** How many papers qualified; `papers` holds the first few. */
  total: number;
}

/** Everything a mail needs beyond its content: where the hub is and the links that act without signing in. */
export interface DigestEnvelope {
  siteName: string;
  /** http(s)://host[:port], no trailing slash. */
  baseUrl: string;
  /** What this subscription is, for the footer: "Trending papers, daily at 08:00 (Europe/Berlin)". */
  describe: string;
  /** Absolute URLs. */
  manageUrl: string;
  unsubscribeUrl: string;
  /** The confirmation page for "more like this" / "fewer like this" on one paper. */
  feedbackUrl: (paperId: string, verdict: 'more' | 'fewer') => string;
}

export interface RenderedDigest {
  subject: string;
  text: string;
  html: string;
}
