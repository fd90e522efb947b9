// Words as the built-in LSA embedder sees them: lowercase stems of the words that carry meaning.
// It runs over every abstract in the hub (100k and more) when the model is trained, so it stays
// cheap: one regex pass, set look-ups, and a cache in front of the stemmer.
import { createRequire } from 'node:module';

import { STOPWORDS } from '../paper/stopwords.ts';

// The package ships no type declarations; the stemmer is all we use from it.
const stem = createRequire(import.meta.url)('wink-porter2-stemmer') as (word: string) => string;

// "\mathcal{X}" keeps its X, "\emph{word}" its word: only the command names go.
const LATEX_COMMAND = /\\[a-zA-Z]+/g;
const WORD = /[\p{L}\p{N}]+/gu;
// Long digit runs are ids, dates and counts; they only bloat the vocabulary.
const LONG_NUMBER = /^\d{5,}$/;

// Abstracts reuse a small vocabulary, so nearly every word is a cache hit: its stem, or '' for a
// word that is dropped, found in one look-up. The bound keeps a long-running server from growing
// it without limit on odd input.
const MAX_CACHED_WORDS = 200_000;
const cache = new Map<string, string>();

export function tokenize(text: string): string[] {
  const words = text.replace(LATEX_COMMAND, ' ').toLowerCase().match(WORD);
  const tokens: string[] = [];
  if (words === null) return tokens;
  for (const word of words) {
    let token = cache.get(word);
    if (token === undefined) {
      if (cache.size >= MAX_CACHED_WORDS) cache.clear();
      token = word.length < 2 || STOPWORDS.has(word) || LONG_NUMBER.test(word) ? '' : stem(word);
      cache.set(word, token);
    }
    if (token !== '') tokens.push(token);
  }
  return tokens;
}
