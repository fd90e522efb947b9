// Ranking metrics computed the way BEIR reports them (pytrec_eval's ndcg_cut and recall, BEIR's
// own MRR), so our figures can be set beside published ones. A document counts as relevant when
// its grade is above zero; unjudged documents count as not relevant.
import type { BeirSet } from './beir.ts';

/** nDCG@k with linear gains (trec_eval's ndcg_cut: gain = grade, not 2^grade − 1). */
export function ndcgAt(k: number, ranked: string[], rels: Map<string, number>): number {
  const gains = topK(k, ranked).map((id) => Math.max(0, rels.get(id) ?? 0));
  const ideal = [...rels.values()].filter((g) => g > 0).sort((a, b) => b - a).slice(0, k);
  const best = dcg(ideal);
  return best === 0 ? 0 : dcg(gains) / best;
}

function dcg(gains: number[]): number {
  return gains.reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);
}

/** Share of the relevant documents found in the first k. */
export function recallAt(k: number, ranked: string[], rels: Map<string, number>): number {
  const relevant = countRelevant(rels);
  if (relevant === 0) return 0;
  return topK(k, ranked).filter((id) => (rels.get(id) ?? 0) > 0).length / relevant;
}

/** 1 / rank of the first relevant document in the first k, else 0. */
export function mrrAt(k: number, ranked: string[], rels: Map<string, number>): number {
  const rank = topK(k, ranked).findIndex((id) => (rels.get(id) ?? 0) > 0);
  return rank < 0 ? 0 : 1 / (rank + 1);
}

/**
 * Mean scores over every query in qrels; a query the run has no results for scores 0, so a search
 * that drops queries cannot look better for it.
 */
export function evaluate(run: Map<string, string[]>, qrels: BeirSet['qrels']): { ndcg10: number; recall100: number; mrr10: number; queries: number } {
  let ndcg10 = 0;
  let recall100 = 0;
  let mrr10 = 0;
  for (const [queryId, rels] of qrels) {
    const ranked = run.get(queryId) ?? [];
    ndcg10 += ndcgAt(10, ranked, rels);
    recall100 += recallAt(100, ranked, rels);
    mrr10 += mrrAt(10, ranked, rels);
  }
  const n = qrels.size;
  return n === 0 ? { ndcg10: 0, recall100: 0, mrr10: 0, queries: 0 } : { ndcg10: ndcg10 / n, recall100: recall100 / n, mrr10: mrr10 / n, queries: n };
}

// A document listed twice would otherwise be counted twice and could push nDCG above 1.
function topK(k: number, ranked: string[]): string[] {
  return [...new Set(ranked)].slice(0, k);
}

function countRelevant(rels: Map<string, number>): number {
  let n = 0;
  for (const grade of rels.values()) if (grade > 0) n++;
  return n;
}

export interface TableRow {
  name: string;
  ndcg10: number;
  recall100: number;
  mrr10: number;
  [extra: string]: number | string;
}

const SCORES = new Set(['ndcg10', 'recall100', 'mrr10']);

/**
 * A plain text table for a terminal or a Markdown code block: text left-aligned, numbers
 * right-aligned, scores and other fractions to 3 decimals, columns of whole numbers (query
 * counts, sizes) as they are. Columns default to every key of the rows, in the order first seen.
 */
export function formatTable(rows: TableRow[], columns: string[] = columnsOf(rows)): string {
  const numeric = columns.map((c) => rows.some((row) => typeof row[c] === 'number'));
  const fractional = columns.map((c) => SCORES.has(c) || rows.some((row) => typeof row[c] === 'number' && !Number.isInteger(row[c])));
  const cells = rows.map((row) => columns.map((c, i) => formatCell(row[c], fractional[i]!)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function columnsOf(rows: TableRow[]): string[] {
  return [...new Set(rows.flatMap((row) => Object.keys(row)))];
}

function formatCell(value: number | string | undefined, fractional: boolean): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return fractional ? value.toFixed(3) : String(value);
}
