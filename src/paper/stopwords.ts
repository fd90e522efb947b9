// Words every abstract uses and no search means: English function words (the `stopword`
// package's list) and research boilerplate. The rarer boilerplate is left to IDF to discount.
import { createRequire } from 'node:module';

// The package ships no type declarations; its English list is all we use.
const { eng } = createRequire(import.meta.url)('stopword') as { eng: string[] };

const BOILERPLATE = ['et', 'al', 'eg', 'ie', 'via', 'paper', 'propose', 'proposed', 'proposes', 'show', 'shows', 'shown', 'however', 'thus', 'therefore', 'moreover', 'furthermore', 'using', 'within', 'without', 'whether', 'can', 'may'];

export const STOPWORDS: ReadonlySet<string> = new Set([...eng, ...BOILERPLATE]);
