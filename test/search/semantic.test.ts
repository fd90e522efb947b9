// SemanticSearch on a real SQLite hub of three topics (test/web/topic-fixtures.ts): opening with
// and without a model, building, catching up, reopening, rebuilding a lost index file, replacing a
// model, cleaning up an interrupted build, and seeing what another process did.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, mock, test } from 'node:test';
import type { PaperRecord } from '../../src/paper/types.ts';
import { dot } from '../../src/search/embedders/types.ts';
import { SemanticSearch } from '../../src/search/semantic.ts';
import { idsByKey, topicStore, type TopicStore } from '../helpers/topics.ts';
import { TOPIC_PAPERS, topicOf } from '../web/topic-fixtures.ts';

const PAPER_COUNT = TOPIC_PAPERS.length;
const LSA8 = { kind: 'lsa', dimensions: 8 } as const;

/** The index file a model's name maps to (as semantic.ts names it). */
const indexFile = (model: string) => `${model.replace(/[^A-Za-z0-9._-]+/g, '_')}.i8`;
const lsaFile = (config: Record<string, unknown>) => config.file as string;

/** Three new papers, one per topic, in the fixtures' vocabulary. */
const NEW_PAPERS: PaperRecord[] = [
  { id: '2407.03001', title: 'Redshift survey of luminous galaxies with a wide telescope', abstract: 'We measure the stellar mass and star formation rate of galaxies observed by a wide telescope survey. Spectroscopic redshifts place the galaxies at cosmic distances.', authors: ['Elena Petrova'], categories: ['astro-ph.GA'], published: '2024-07-01T10:00:00.000Z' },
  { id: '2407.02001', title: 'Amino acid sequence design for folded protein backbones', abstract: 'Inverse folding recovers amino acid sequences that fold into a given backbone. Residue contacts are inferred from evolutionary couplings.', authors: ['Wei Zhang'], categories: ['q-bio.BM'], published: '2024-07-01T10:00:00.000Z' },
  { id: '2407.01001', title: 'Prosody control for expressive speech synthesis', abstract: 'Prosody and intonation are modelled explicitly so that the synthetic voice sounds expressive. A mel spectrogram is converted to a waveform.', authors: ['Hana Sato'], categories: ['eess.AS'], published: '2024-07-01T10:00:00.000Z' },
];

function nextMillisecond(): void {
  const start = Date.now();
  while (Date.now() === start) { /* spin: at most a millisecond */ }
}

let hub: TopicStore | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function built(config: { kind: 'lsa'; dimensions: number } = LSA8): Promise<{ hub: TopicStore; semantic: SemanticSearch }> {
  hub = await topicStore();
  const semantic = await hub.open();
  await semantic.build(config);
  return { hub, semantic };
}

/** Keys and similarities of the k nearest to each query text. */
async function neighbours(semantic: SemanticSearch, queries: string[], k = 8) {
  const out: { key: number; similarity: number }[][] = [];
  for (const text of queries) out.push(await semantic.nearest((await semantic.embedQuery(text))!, k));
  return out;
}
const QUERIES = ['galaxy redshift telescope', 'protein folding residues', 'speech synthesis prosody', 'dark matter halos'];

describe('without a model', () => {
  test('open gives no model, no embedder, no query vectors and no neighbours, and writes nothing', async () => {
    hub = await topicStore();
    const semantic = await hub.open();
    assert.equal(semantic.model, undefined);
    assert.equal(semantic.embedder, undefined);
    assert.equal(await semantic.embedQuery('galaxy'), undefined);
    assert.equal(semantic.indexSize(), 0);
    assert.deepEqual(await semantic.nearest(new Float32Array(8).fill(0.1), 5), []);
    assert.equal(await semantic.vectorOf((await hub.store.keyOf(TOPIC_PAPERS[0]!.id))!), undefined);
    assert.equal(await semantic.catchUp(), 0);
    await semantic.refresh();
    assert.equal(semantic.isBuilding, false);
    assert.equal(existsSync(hub.indexDir), false);
  });

  test('a model still being built is not loaded', async () => {
    hub = await topicStore();
    await hub.store.vectors.saveModel({ name: 'lsa-8@half', dimensions: 8, config: { ...LSA8, file: 'half.lsa' }, state: 'building' });
    const semantic = await hub.open();
    assert.equal(semantic.model, undefined);
  });
});

describe('build', () => {
  test('makes an active, ready model with a vector per paper, a model file and an index file', async () => {
    hub = await topicStore();
    const semantic = await hub.open();
    const steps = new Map<string, { done: number; total: number }>();
    const report = await semantic.build(LSA8, (step, done, total) => steps.set(step, { done, total }));
    const model = semantic.model!;
    assert.equal(report.model, model.name);
    assert.match(model.name, /^lsa-8@\d{8}T\d{6}$/);
    assert.equal(report.papers, PAPER_COUNT);
    assert.equal(model.state, 'ready');
    assert.equal(model.active, true);
    assert.equal(model.dimensions, 8);
    assert.equal(model.vectors, PAPER_COUNT);
    assert.equal(model.config.kind, 'lsa');
    assert.equal(model.config.trainedDocs, PAPER_COUNT);
    assert.equal((await hub.store.vectors.active())?.name, model.name);
    assert.equal(await hub.store.vectors.countPending(model.name), 0);
    assert.equal(semantic.indexSize(), PAPER_COUNT);
    assert.equal(semantic.embedder?.dimensions, 8);
    assert.equal(semantic.isBuilding, false);
    assert.deepEqual(readdirSync(hub.indexDir).sort(), [indexFile(model.name), lsaFile(model.config)].sort());
    assert.match(lsaFile(model.config), /\.lsa$/);
    assert.deepEqual(steps.get('embedding'), { done: PAPER_COUNT, total: PAPER_COUNT });
    assert.deepEqual(steps.get('indexing'), { done: PAPER_COUNT, total: PAPER_COUNT });
  });

  test('query vectors are unit length; nearest is sorted, exact and on topic', async () => {
    const { hub, semantic } = await built();
    const ids = await idsByKey(hub.store);
    const query = (await semantic.embedQuery('galaxy redshift telescope'))!;
    assert.equal(query.length, 8);
    assert.ok(Math.abs(dot(query, query) - 1) < 1e-5);
    assert.equal(await semantic.embedQuery('zzzz qqqq'), undefined, 'words the model never saw give no vector');
    const near = await semantic.nearest(query, 6);
    assert.equal(near.length, 6);
    assert.deepEqual(near.map((n) => topicOf(ids.get(n.key)!)), Array(6).fill('galaxy'));
    for (let i = 1; i < near.length; i++) assert.ok(near[i - 1]!.similarity >= near[i]!.similarity);
    for (const n of near) assert.ok(Math.abs(n.similarity - dot((await semantic.vectorOf(n.key))!, query)) < 1e-6, 're-scored with the stored f32 vector');
    // A paper's own vector finds it, at similarity 1.
    const key = near[3]!.key;
    const own = await semantic.nearest((await semantic.vectorOf(key))!, 3);
    assert.ok(own.some((n) => n.key === key && Math.abs(n.similarity - 1) < 1e-5));
    // Asking for more than there are papers returns them all.
    assert.equal((await semantic.nearest(query, 500)).length, PAPER_COUNT);
  });

  test('one build at a time: a second call while one runs gets the same build', async () => {
    hub = await topicStore();
    const semantic = await hub.open();
    const first = semantic.build(LSA8);
    const second = semantic.build({ kind: 'lsa', dimensions: 4 });
    assert.equal(semantic.isBuilding, true);
    assert.equal(second, first);
    assert.equal(await semantic.catchUp(), 0, 'catchUp waits for no one and does nothing while building');
    await first;
    assert.equal(semantic.isBuilding, false);
    assert.equal(semantic.model?.dimensions, 8);
    assert.equal((await hub.store.vectors.models()).length, 1);
  });

  test('a second build replaces the first: the old row, vectors and files are gone, only the new one is active', async () => {
    const { hub, semantic } = await built();
    const old = semantic.model!;
    const report = await semantic.build({ kind: 'lsa', dimensions: 6 });
    const models = await hub.store.vectors.models();
    assert.deepEqual(models.map((m) => [m.name, m.active, m.state, m.vectors]), [[report.model, true, 'ready', PAPER_COUNT]]);
    assert.notEqual(report.model, old.name);
    assert.equal(semantic.model?.name, report.model);
    assert.equal(semantic.indexSize(), PAPER_COUNT);
    assert.equal((await semantic.embedQuery('galaxy'))?.length, 6);
    assert.deepEqual(await hub.store.vectors.scan(old.name, 0, 10), []);
    const files = readdirSync(hub.indexDir);
    assert.ok(!files.includes(indexFile(old.name)), files.join());
    assert.ok(!files.includes(lsaFile(old.config)), files.join());
    assert.deepEqual(files.sort(), [indexFile(report.model), lsaFile(semantic.model!.config)].sort());
  });

  test('rebuilding with the same settings within the same second keeps a working model', async () => {
    hub = await topicStore();
    const semantic = await hub.open();
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2030-01-01T12:00:00.000Z') });
    try {
      await semantic.build(LSA8);
      await semantic.build(LSA8);
    } finally {
      mock.timers.reset();
    }
    const models = await hub.store.vectors.models();
    assert.equal(models.length, 1, 'exactly one model remains');
    assert.equal(models[0]!.active, true);
    assert.equal(models[0]!.vectors, PAPER_COUNT);
    assert.ok(existsSync(join(hub.indexDir, indexFile(models[0]!.name))));
    assert.ok(existsSync(join(hub.indexDir, lsaFile(models[0]!.config))));
    const reopened = await hub.open();
    assert.equal(reopened.model?.name, models[0]!.name);
  });

  test('a model left in state building is dropped with its vectors and files by the next build', async () => {
    hub = await topicStore();
    const semantic = await hub.open();
    const crashed = 'lsa-4@crashed run';
    await hub.store.vectors.saveModel({ name: crashed, dimensions: 4, config: { kind: 'lsa', dimensions: 4, file: 'crashed.lsa' }, state: 'building' });
    const someKey = (await hub.store.keyOf(TOPIC_PAPERS[0]!.id))!;
    await hub.store.vectors.put(crashed, [{ key: someKey, changedAt: 'x', vector: Float32Array.from([1, 0, 0, 0]) }]);
    mkdirSync(hub.indexDir, { recursive: true });
    writeFileSync(join(hub.indexDir, indexFile(crashed)), 'half an index');
    writeFileSync(join(hub.indexDir, 'crashed.lsa'), 'half a model');
    writeFileSync(join(hub.indexDir, 'notes.txt'), 'not ours');

    const report = await semantic.build(LSA8);
    assert.deepEqual((await hub.store.vectors.models()).map((m) => m.name), [report.model]);
    assert.equal(await hub.store.vectors.get(crashed, someKey), undefined);
    const files = readdirSync(hub.indexDir);
    assert.ok(!files.includes(indexFile(crashed)) && !files.includes('crashed.lsa'), files.join());
    assert.ok(files.includes('notes.txt'), 'other files are left alone');
  });
});

describe('catching up, reopening and other processes', () => {
  test('catchUp after adding 3 papers embeds exactly 3, saves them, and they become searchable', async () => {
    const { hub, semantic } = await built();
    assert.equal(await semantic.catchUp(), 0, 'nothing new yet');
    await hub.store.upsertPapers(NEW_PAPERS);
    const steps: number[] = [];
    assert.equal(await semantic.catchUp((step, done) => step === 'embedding' && steps.push(done)), 3);
    assert.deepEqual(steps, [3]);
    assert.equal(await semantic.catchUp(), 0, 'nothing is embedded twice');
    assert.equal(semantic.indexSize(), PAPER_COUNT + 3);
    assert.equal((await hub.store.vectors.active())?.vectors, PAPER_COUNT + 3);
    const ids = await idsByKey(hub.store);
    for (const p of NEW_PAPERS) {
      const key = (await hub.store.keyOf(p.id))!;
      const v = (await semantic.vectorOf(key))!;
      assert.equal(v.length, 8);
      assert.ok((await semantic.nearest(v, 3)).some((n) => n.key === key), `${p.id} is in the index`);
    }
    // By topic: the new galaxy paper is among the galaxy papers nearest a galaxy query, and so on.
    for (const [text, p] of [['galaxy redshift telescope survey', NEW_PAPERS[0]!], ['protein folding amino acid backbone', NEW_PAPERS[1]!], ['speech synthesis prosody waveform', NEW_PAPERS[2]!]] as const) {
      const near = await semantic.nearest((await semantic.embedQuery(text))!, 14);
      assert.ok(near.some((n) => ids.get(n.key) === p.id), `${text}: ${near.map((n) => ids.get(n.key)).join(' ')}`);
    }
    // The index file was saved: a reopen has them without embedding anything.
    const reopened = await hub.open();
    assert.equal(reopened.indexSize(), PAPER_COUNT + 3);
  });

  test('catchUp re-embeds an edited paper, keeping the index size', async () => {
    const { hub, semantic } = await built();
    const target = TOPIC_PAPERS.find((p) => topicOf(p.id) === 'galaxy')!;
    const key = (await hub.store.keyOf(target.id))!;
    const before = await semantic.vectorOf(key);
    nextMillisecond();
    // latestVersion makes it an arXiv record, which may overwrite text (other sources only fill gaps).
    const edited = { ...target, latestVersion: 2, abstract: 'Inverse folding recovers amino acid sequences that fold into a given backbone of the protein.' };
    assert.deepEqual(await hub.store.upsertPapers([edited]), ['updated']);
    assert.equal(await semantic.catchUp(), 1);
    assert.equal(semantic.indexSize(), PAPER_COUNT);
    const after = (await semantic.vectorOf(key))!;
    assert.notDeepEqual(after, before);
    const protein = (await semantic.embedQuery('amino acid sequences inverse folding backbone'))!;
    assert.ok(dot(after, protein) > dot(before!, protein), 'the new vector follows the new text');
  });

  test('reopening on the same store and folder loads the same model and finds the same neighbours', async () => {
    const { hub, semantic } = await built();
    const again = await hub.open();
    assert.equal(again.model?.name, semantic.model!.name);
    assert.equal(again.indexSize(), PAPER_COUNT);
    assert.deepEqual(await neighbours(again, QUERIES), await neighbours(semantic, QUERIES));
    assert.deepEqual(await again.embedQuery('telescope'), await semantic.embedQuery('telescope'));
  });

  test('a deleted index file is rebuilt from stored vectors on open', async () => {
    const { hub, semantic } = await built();
    const path = join(hub.indexDir, indexFile(semantic.model!.name));
    rmSync(path);
    const rebuilt = await hub.open();
    assert.ok(existsSync(path), 'the index file is written again');
    assert.equal(rebuilt.indexSize(), PAPER_COUNT);
    assert.deepEqual(await neighbours(rebuilt, QUERIES), await neighbours(semantic, QUERIES));
    const third = await hub.open();
    assert.equal(third.indexSize(), PAPER_COUNT);
  });

  test('an index file cut short is rebuilt from stored vectors on open, and says so', async () => {
    const { hub, semantic } = await built();
    const path = join(hub.indexDir, indexFile(semantic.model!.name));
    truncateSync(path, statSync(path).size - 10);
    const lines: string[] = [];
    const rebuilt = await hub.open(hub.store, { log: (l) => lines.push(l) });
    assert.equal(rebuilt.model?.name, semantic.model!.name, 'meaning search stays on');
    assert.equal(rebuilt.indexSize(), PAPER_COUNT);
    assert.deepEqual(await neighbours(rebuilt, QUERIES), await neighbours(semantic, QUERIES));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /could not be read .*cut short.*rebuilding it from the stored vectors/);
    assert.equal((await hub.open()).indexSize(), PAPER_COUNT, 'the rebuilt file is whole');
  });

  test('a missing model file turns meaning search off with a message, instead of failing to open', async () => {
    const { hub, semantic } = await built();
    rmSync(join(hub.indexDir, lsaFile(semantic.model!.config)));
    const lines: string[] = [];
    const reopened = await SemanticSearch.open(hub.store, { indexDir: hub.indexDir, log: (l) => lines.push(l) });
    try {
      assert.equal(reopened.model, undefined);
      assert.equal(await reopened.embedQuery('galaxy'), undefined);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^Meaning search is off: /);
      assert.match(lines[0]!, /paperboy index build/);
    } finally {
      await reopened.close();
    }
  });

  test('refresh picks up vectors another process stored, and a model another process built', async () => {
    const { hub, semantic } = await built();
    const otherStore = await hub.connect();
    const other = await hub.open(otherStore);
    assert.equal(other.model?.name, semantic.model!.name);

    await otherStore.upsertPapers(NEW_PAPERS);
    assert.equal(await other.catchUp(), 3);
    assert.equal(semantic.indexSize(), PAPER_COUNT, 'not seen before refresh');
    await semantic.refresh();
    assert.equal(semantic.indexSize(), PAPER_COUNT + 3);
    for (const p of NEW_PAPERS) {
      const key = (await hub.store.keyOf(p.id))!;
      assert.ok((await semantic.nearest((await semantic.vectorOf(key))!, 3)).some((n) => n.key === key), p.id);
    }
    assert.equal(await semantic.catchUp(), 0, 'what the other process embedded is not embedded again');
    await semantic.refresh();
    assert.equal(semantic.indexSize(), PAPER_COUNT + 3, 'refreshing twice adds nothing twice');

    const report = await other.build({ kind: 'lsa', dimensions: 5 });
    assert.notEqual(semantic.model?.name, report.model);
    await semantic.refresh();
    assert.equal(semantic.model?.name, report.model);
    assert.equal(semantic.indexSize(), PAPER_COUNT + 3);
    assert.equal((await semantic.embedQuery('galaxy'))?.length, 5);
    assert.deepEqual(await neighbours(semantic, QUERIES), await neighbours(other, QUERIES));
  });

  test('a search notices a model another process built: at once when it has none, in the background when it has one', async () => {
    hub = await topicStore();
    const lines: string[] = [];
    const server = await hub.open(hub.store, { noticeMs: 0, log: (l) => lines.push(l) });
    const patient = await hub.open(hub.store, { noticeMs: 60_000 });
    const other = await hub.open(await hub.connect());
    const first = await other.build(LSA8);

    await patient.noticeNewModel();
    assert.equal(patient.model, undefined, 'it looked less than a minute ago (when it opened)');
    await server.noticeNewModel();
    assert.equal(server.model?.name, first.model, 'a search without a model waits for the new one');
    assert.deepEqual(await neighbours(server, QUERIES), await neighbours(other, QUERIES));

    const second = await other.build({ kind: 'lsa', dimensions: 5 });
    await server.noticeNewModel();
    assert.equal(server.model?.name, first.model, 'with a live model, the new one loads in the background');
    for (let i = 0; i < 200 && server.model?.name !== second.model; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.model?.name, second.model);
    assert.equal((await server.embedQuery('galaxy'))?.length, 5);
    assert.deepEqual(lines, [`Meaning search now uses ${first.model}.`, `Meaning search now uses ${second.model}.`]);
  });

  test('a model whose files are missing is reported once, not at every search', async () => {
    hub = await topicStore();
    const lines: string[] = [];
    const server = await hub.open(hub.store, { noticeMs: 0, log: (l) => lines.push(l) });
    const other = await hub.open(await hub.connect());
    const report = await other.build(LSA8);
    rmSync(join(hub.indexDir, lsaFile(other.model!.config)));
    for (let i = 0; i < 3; i++) await server.noticeNewModel();
    assert.equal(server.model, undefined);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^Meaning search could not load the new model: /);
    assert.ok(report.model);
  });
});
