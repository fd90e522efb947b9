// Fetching papers by id from the arXiv API, against a replay server: real responses from
// ../shared/data/arxiv-api-atom, plus tiny inline feeds that always run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, beforeEach, describe, test } from 'node:test';
import { fetchArxiv, fetchArxivRecords } from '../../src/ingest/arxiv-api.ts';
import type { Store } from '../../src/store/store.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { recordingClient, startReplayServer, type ReplayRequest, type ReplayResponse, type ReplayServer } from '../helpers/replay-server.ts';
import { atomFeed } from '../helpers/arxiv-atom.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';

const atomOf = (ids: string[]) => atomFeed(ids.map((id) => ({ id })));

const stored = (file: string) => readFileSync(sharedData('arxiv-api-atom', 'xml', file), 'utf8');

let store: Store;
let server: ReplayServer | undefined;

/** A fresh store and a server; the options fetchArxiv needs to reach it. */
async function setup(route: (req: ReplayRequest) => ReplayResponse) {
  await server?.close();
  server = await startReplayServer(route);
  return { server, options: { baseUrl: `${server.url}/api/query`, client: recordingClient().client } };
}

describe('arXiv API fetch by id', () => {
  beforeEach(async () => {
    await store?.close();
    store = await openSqliteStore(':memory:');
  });
  after(async () => {
    await server?.close();
    await store.close();
  });

  describe('real responses', { skip: needsData('arxiv-api-atom') }, () => {
    test('fetches one paper, whatever form its id comes in', async () => {
      const { server, options } = await setup(() => ({ status: 200, body: stored('query_doc.xml') }));
      const report = await fetchArxiv(store, ['arXiv:2206.06921v2', 'https://arxiv.org/abs/2206.06921'], options);
      assert.deepEqual(server.requests, ['/api/query?id_list=2206.06921&max_results=1']);
      assert.equal(report.added, 1);
      assert.deepEqual(report.missing, []);
      assert.equal((await store.getPaper('2206.06921'))?.title, 'Attainable forms of Assouad spectra');
    });

    test('reports the ids the API did not return', async () => {
      const ids = ['2201.13455', '2201.13452', '2201.13453', '2201.13454'];
      const { server, options } = await setup(() => ({ status: 200, body: stored('query_missing_id.xml') }));
      const report = await fetchArxiv(store, ids, options);
      assert.deepEqual(server.requests, [`/api/query?id_list=${ids.join(',')}&max_results=4`]);
      assert.equal(report.added, 1);
      assert.deepEqual(report.missing, ['2201.13455', '2201.13453', '2201.13454']);
    });

    test('an empty answer means every id is missing', async () => {
      const { options } = await setup(() => ({ status: 200, body: stored('query_empty.xml') }));
      const report = await fetchArxiv(store, ['1201.5678'], options);
      assert.equal(report.read, 0);
      assert.deepEqual(report.missing, ['1201.5678']);
    });

    test('fetchArxivRecords gives the metadata without storing it', async () => {
      const { options } = await setup(() => ({ status: 200, body: stored('query_doc.xml') }));
      const records = await fetchArxivRecords(['2206.06921'], options);
      assert.deepEqual(records.map((r) => [r.id, r.authors]), [['2206.06921', ['Alex Rutar']]]);
      assert.equal((await store.stats()).papers, 0);
    });
  });

  describe('inline feeds', () => {
    const echo = (req: ReplayRequest): ReplayResponse => ({ status: 200, body: atomOf(req.query.get('id_list')!.split(',')) });

    test('asks in batches of batchSize', async () => {
      const { server, options } = await setup(echo);
      const report = await fetchArxiv(store, ['2303.00001', '2303.00002', 'hep-th/9901001'], { ...options, batchSize: 2 });
      assert.deepEqual(server.requests, [
        '/api/query?id_list=2303.00001,2303.00002&max_results=2',
        '/api/query?id_list=hep-th/9901001&max_results=1',
      ]);
      assert.equal(report.added, 3);
      assert.equal((await store.stats()).papers, 3);
    });

    test('refuses invalid ids before any request, listing them all', async () => {
      const { server, options } = await setup(echo);
      await assert.rejects(fetchArxiv(store, ['2303.00001', 'not-an-id', '2313.00001'], options), /Not arXiv ids: "not-an-id", "2313\.00001"/);
      await assert.rejects(fetchArxivRecords(['nope'], options), /Not arXiv ids: "nope"/);
      assert.deepEqual(server.requests, []);
      assert.equal((await store.stats()).lastRun, undefined, 'no run is recorded for a refused request');
    });

    // Until parseArxivAtomPage throws on a document without a <feed> root, such a page reads as an
    // empty feed and every id is reported missing.
    test('a response that is not an Atom feed fails, naming the URL', async () => {
      const { server, options } = await setup(() => ({ status: 200, body: '<html><body>Rate limit exceeded</body></html>' }));
      await assert.rejects(fetchArxiv(store, ['2303.00001'], options), (err: Error) => err.message.includes(`${server.url}/api/query?id_list=2303.00001`));
    });

    test('a failed request marks the run failed and says so', async () => {
      const { options } = await setup(() => ({ status: 400, body: 'bad' }));
      await assert.rejects(fetchArxiv(store, ['2303.00001'], options), /id_list=2303\.00001.* failed: HTTP 400 Bad Request/);
      assert.equal((await store.stats()).lastRun?.status, 'failed');
    });
  });
});
