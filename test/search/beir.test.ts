import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readBeir } from '../../src/search/eval/beir.ts';
import { evaluate, formatTable, mrrAt, ndcgAt, recallAt } from '../../src/search/eval/metrics.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';

const CORPUS = [
  '{"_id": "d1", "title": "Speech synthesis", "text": "Diffusion for speech.", "metadata": {}}',
  '{"_id": 2, "text": "A document without a title."}',
  '{"_id": "d3", "title": "Vision", "text": "Images."}',
].join('\n');
const QUERIES = ['{"_id": "q1", "text": "diffusion speech"}', '{"_id": "q2", "text": "images"}', '{"_id": "q3", "text": "unjudged"}'].join('\n');
const QRELS = {
  test: 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\t2\t1\nq2\td3\t0\n',
  train: 'query-id\tcorpus-id\tscore\r\nq2\td3\t1\r\n',
  dev: 'query-id\tcorpus-id\tscore\nq3\td1\t1\n',
};

const temp = mkdtempSync(join(tmpdir(), 'paperboy-beir-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A BEIR folder in the temp dir; files given as undefined are left out. */
function beirFolder(name: string, files: { corpus?: string; corpusGz?: string; queries?: string; qrels?: Record<string, string> }): string {
  const dir = join(temp, name);
  mkdirSync(join(dir, 'qrels'), { recursive: true });
  if (files.corpus !== undefined) writeFileSync(join(dir, 'corpus.jsonl'), files.corpus);
  if (files.corpusGz !== undefined) writeFileSync(join(dir, 'corpus.jsonl.gz'), gzipSync(files.corpusGz));
  writeFileSync(join(dir, 'queries.jsonl'), files.queries ?? QUERIES);
  for (const [split, text] of Object.entries(files.qrels ?? QRELS)) writeFileSync(join(dir, 'qrels', `${split}.tsv`), text);
  return dir;
}

describe('readBeir', () => {
  test('reads a plain corpus, prefers the test split, and keeps only queries with a relevant document', async () => {
    const set = await readBeir(beirFolder('plain', { corpus: CORPUS }));
    assert.equal(set.name, 'plain');
    assert.equal(set.split, 'test');
    assert.deepEqual(set.docs, [
      { id: 'd1', title: 'Speech synthesis', text: 'Diffusion for speech.' },
      { id: '2', title: '', text: 'A document without a title.' },
      { id: 'd3', title: 'Vision', text: 'Images.' },
    ]);
    // q2 is judged in test, but only as irrelevant (score 0).
    assert.deepEqual(set.queries, [{ id: 'q1', text: 'diffusion speech' }]);
    assert.deepEqual(set.qrels, new Map([['q1', new Map([['d1', 2], ['2', 1]])]]));
  });

  test('reads a gzipped corpus the same way', async () => {
    const plain = await readBeir(beirFolder('plain-again', { corpus: CORPUS }));
    const gzipped = await readBeir(beirFolder('gzipped', { corpusGz: CORPUS }));
    assert.deepEqual(gzipped.docs, plain.docs);
  });

  test('takes the split asked for, and train when there is no test', async () => {
    const dir = beirFolder('splits', { corpus: CORPUS });
    const dev = await readBeir(dir, { split: 'dev' });
    assert.equal(dev.split, 'dev');
    assert.deepEqual(dev.queries.map((q) => q.id), ['q3']);
    const noTest = await readBeir(beirFolder('no-test', { corpus: CORPUS, qrels: { dev: QRELS.dev, train: QRELS.train } }));
    assert.equal(noTest.split, 'train');
    assert.deepEqual(noTest.queries.map((q) => q.id), ['q2']);
    const onlyDev = await readBeir(beirFolder('only-dev', { corpus: CORPUS, qrels: { dev: QRELS.dev } }));
    assert.equal(onlyDev.split, 'dev');
  });

  test('a missing split is named with the ones there are', async () => {
    await assert.rejects(readBeir(beirFolder('missing-split', { corpus: CORPUS }), { split: 'validation' }), /no "validation" split; available: dev, test, train/);
  });

  test('malformed lines are reported with file and line number', async () => {
    const badCorpus = beirFolder('bad-corpus', { corpusGz: `${CORPUS}\n{"_id": "d4", "text": "cut off` });
    await assert.rejects(readBeir(badCorpus), (err: Error) => err.message.includes(join(badCorpus, 'corpus.jsonl.gz')) && /line 4: not JSON/.test(err.message));
    const noText = beirFolder('no-text', { corpus: CORPUS, queries: '{"_id": "q1", "text": "fine"}\n\n{"_id": "q2"}' });
    await assert.rejects(readBeir(noText), /queries\.jsonl line 3: missing "text"/);
    const badQrels = beirFolder('bad-qrels', { corpus: CORPUS, qrels: { test: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1 d3 1\n' } });
    await assert.rejects(readBeir(badQrels), /qrels\/test\.tsv line 3: expected "query-id<TAB>corpus-id<TAB>integer score"/);
    const badScore = beirFolder('bad-score', { corpus: CORPUS, qrels: { test: 'query-id\tcorpus-id\tscore\nq1\td1\thigh\n' } });
    await assert.rejects(readBeir(badScore), /test\.tsv line 2/);
  });

  test('no corpus or no qrels is an error that says which', async () => {
    await assert.rejects(readBeir(beirFolder('no-corpus', {})), /no corpus\.jsonl or corpus\.jsonl\.gz/);
    await assert.rejects(readBeir(beirFolder('no-qrels', { corpus: CORPUS, qrels: {} })), /no qrels/);
    const unknownQuery = beirFolder('unknown-query', { corpus: CORPUS, qrels: { test: 'query-id\tcorpus-id\tscore\nq9\td1\t1\n' } });
    await assert.rejects(readBeir(unknownQuery), /1 query ids are not in queries\.jsonl \(first: q9\)/);
  });
});

describe('metrics', () => {
  const rels = new Map([['b', 1], ['c', 2]]);

  test('nDCG uses linear gains and the ideal order of all judged documents', () => {
    // DCG  = 0/log2(2) + 1/log2(3) + 2/log2(4) = 0.630930 + 1     = 1.630930
    // IDCG = 2/log2(2) + 1/log2(3)             = 2     + 0.630930 = 2.630930
    // nDCG@10 = 1.630930 / 2.630930 = 0.619906
    const expected = (1 / Math.log2(3) + 2 / Math.log2(4)) / (2 + 1 / Math.log2(3));
    assert.ok(Math.abs(ndcgAt(10, ['a', 'b', 'c'], rels) - expected) < 1e-9);
    assert.ok(Math.abs(ndcgAt(10, ['a', 'b', 'c'], rels) - 0.6199062332840657) < 1e-9);
    assert.equal(ndcgAt(10, ['c', 'b', 'a'], rels), 1);
    // Cut at 2: DCG = 1/log2(3); the ideal still has both relevant documents in its first two.
    assert.ok(Math.abs(ndcgAt(2, ['a', 'b', 'c'], rels) - 1 / Math.log2(3) / (2 + 1 / Math.log2(3))) < 1e-9);
    assert.equal(ndcgAt(1, ['a', 'b', 'c'], rels), 0);
    assert.equal(ndcgAt(10, ['a'], new Map([['a', 0]])), 0); // nothing relevant: 0, not NaN
  });

  test('a document listed twice counts once', () => {
    assert.ok(ndcgAt(10, ['c', 'c', 'b'], rels) <= 1);
    assert.equal(recallAt(10, ['b', 'b'], rels), 0.5);
  });

  test('recall and MRR count grades above zero as relevant', () => {
    assert.equal(recallAt(2, ['a', 'b', 'c'], rels), 0.5);
    assert.equal(recallAt(10, ['a', 'b', 'c'], rels), 1);
    assert.equal(recallAt(10, ['a', 'b'], new Map([['a', 0], ['b', 1]])), 1);
    assert.equal(mrrAt(10, ['a', 'b', 'c'], rels), 0.5);
    assert.equal(mrrAt(1, ['a', 'b', 'c'], rels), 0);
    assert.equal(mrrAt(10, [], rels), 0);
  });

  test('evaluate averages over every judged query, scoring a missing one as 0', () => {
    const qrels = new Map([['q1', rels], ['q2', new Map([['x', 1]])]]);
    const result = evaluate(new Map([['q1', ['c', 'b', 'a']], ['unjudged', ['x']]]), qrels);
    assert.deepEqual(result, { ndcg10: 0.5, recall100: 0.5, mrr10: 0.5, queries: 2 });
  });

  test('formatTable aligns text left and numbers right, scores to 3 decimals', () => {
    const table = formatTable([
      { name: 'bm25', ndcg10: 0.66512, recall100: 1, mrr10: 0.6, queries: 809 },
      { name: 'hybrid (rrf)', ndcg10: 0.7, recall100: 0.93333, mrr10: 0.65, queries: 809, note: 'k=60' },
    ]);
    assert.equal(
      table,
      [
        'name          ndcg10  recall100  mrr10  queries  note',
        '------------  ------  ---------  -----  -------  ----',
        'bm25           0.665      1.000  0.600      809',
        'hybrid (rrf)   0.700      0.933  0.650      809  k=60',
      ].join('\n'),
    );
    assert.equal(formatTable([{ name: 'x', ndcg10: 0.5, recall100: 0.5, mrr10: 0.5 }], ['name', 'ndcg10']), 'name  ndcg10\n----  ------\nx      0.500');
  });
});

describe('real BEIR sets', () => {
  test('SciFact: 5,183 documents and the queries judged in the train split', { skip: needsData('scifact') }, async () => {
    const set = await readBeir(sharedData('scifact'));
    assert.equal(set.split, 'train'); // the test split is held out of shared/data
    assert.equal(set.docs.length, 5183);
    const judged = readFileSync(sharedData('scifact', 'qrels', 'train.tsv'), 'utf8').trim().split('\n').slice(1);
    assert.equal(set.queries.length, new Set(judged.map((line) => line.split('\t')[0])).size);
    assert.equal(set.queries.length, 809);
    assert.equal([...set.qrels.values()].reduce((n, rels) => n + rels.size, 0), judged.length);
    assert.ok(set.docs.every((d) => d.title !== '' && d.text !== ''));
  });

  test('CACM: 3,204 documents, 52 judged queries in the test split', { skip: needsData('cacm') }, async () => {
    const set = await readBeir(sharedData('cacm'));
    assert.equal(set.split, 'test');
    assert.equal(set.docs.length, 3204);
    assert.equal(set.queries.length, 52);
    assert.equal([...set.qrels.values()].reduce((n, rels) => n + rels.size, 0), 796);
  });
});
