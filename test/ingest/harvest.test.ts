// The OAI-PMH harvester and the polite HTTP client under it, over real sockets against a replay
// server: the real 3-page arXiv chain from ../shared/data, plus tiny inline pages that always run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parseRetryAfter } from '../../src/ingest/http.ts';
import { categoriesToOaiSets, harvestOai, type HarvestPageInfo } from '../../src/ingest/oai-harvest.ts';
import type { Store } from '../../src/store/store.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { recordingClient, startReplayServer, type ReplayRequest, type ReplayResponse, type ReplayServer } from '../helpers/replay-server.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';

const FROM = '2023-03-07';

// ---- tiny inline OAI-PMH responses -------------------------------------------------------------

function oaiResponse(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
  <responseDate>2023-03-07T18:54:05Z</responseDate>
  <request verb="ListRecords">http://export.arxiv.org/oai2</request>
  ${inner}
</OAI-PMH>`;
}

function oaiRecord(id: string): string {
  return `<record>
    <header><identifier>oai:arXiv.org:${id}</identifier><datestamp>2023-03-07</datestamp><setSpec>cs</setSpec></header>
    <metadata>
      <oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <dc:title>Paper ${id}</dc:title>
        <dc:creator>Lovelace, Ada</dc:creator>
        <dc:subject>Computer Science - Machine Learning</dc:subject>
        <dc:description>  An abstract for ${id}.</dc:description>
        <dc:date>2023-03-06</dc:date>
        <dc:type>text</dc:type>
        <dc:identifier>http://arxiv.org/abs/${id}</dc:identifier>
      </oai_dc:dc>
    </metadata>
  </record>`;
}

/** A ListRecords page; the last page of a chain carries an empty token, as arXiv's does. */
function oaiPage(ids: string[], token = ''): string {
  return oaiResponse(`<ListRecords>${ids.map(oaiRecord).join('\n')}<resumptionToken>${token}</resumptionToken></ListRecords>`);
}

function oaiError(code: string, message: string): string {
  return oaiResponse(`<error code="${code}">${message}</error>`);
}

const ok = (body: string): ReplayResponse => ({ status: 200, body });

// ---- harness -----------------------------------------------------------------------------------

let store: Store;
let server: ReplayServer | undefined;

/** Starts a server for one test, closing the previous test's. */
async function serve(route: (req: ReplayRequest) => ReplayResponse): Promise<ReplayServer> {
  await server?.close();
  server = await startReplayServer(route);
  return server;
}

async function freshStore(): Promise<Store> {
  await store?.close();
  store = await openSqliteStore(':memory:');
  return store;
}

/** The requests a server received, as their query parameters. */
function queries(s: ReplayServer): Record<string, string>[] {
  return s.requests.map((r) => Object.fromEntries(new URL(r, 'http://x').searchParams));
}

after(async () => {
  await server?.close();
  await store?.close();
});

describe('OAI-PMH harvest', () => {
  before(freshStore);

  describe('the real arXiv chain (3 pages, 2,265 records)', { skip: needsData('arxiv-oai-pmh') }, () => {
    const pages = () => [0, 1, 2].map((n) => readFileSync(sharedData('arxiv-oai-pmh', `ListRecords_data_${n}.xml`), 'utf8'));
    let chain: string[];
    /** Serves the chain by token; `page2` lets a test break the second page. */
    const chainRoute = (page2: (req: ReplayRequest) => ReplayResponse = () => ok(chain[1]!)) => (req: ReplayRequest) => {
      const token = req.query.get('resumptionToken');
      if (token === null) return ok(chain[0]!);
      if (token === '6511260|1001') return page2(req);
      if (token === '6511260|2001') return ok(chain[2]!);
      return { status: 400, body: `unexpected token ${token}` };
    };

    before(() => {
      chain = pages();
    });

    test('follows the tokens to the end and stores every record', async () => {
      await freshStore();
      const s = await serve(chainRoute());
      const seen: HarvestPageInfo[] = [];
      const { client } = recordingClient();
      const report = await harvestOai(store, {
        baseUrl: `${s.url}/oai`, from: FROM, metadataPrefix: 'oai_dc', client, onPage: (info) => seen.push(info),
      });

      assert.equal(report.pages, 3);
      assert.equal(report.resumed, false);
      assert.equal(report.read, 2265);
      assert.equal(report.added, 2265);
      assert.equal(report.errors, 0);
      assert.equal((await store.stats()).papers, 2265);
      assert.deepEqual(seen.map((p) => [p.page, p.records, p.completeListSize]), [[1, 1000, 2265], [2, 1000, 2265], [3, 265, 2265]]);

      // Only the first request names the window; the others carry nothing but the token.
      assert.deepEqual(queries(s), [
        { verb: 'ListRecords', metadataPrefix: 'oai_dc', from: FROM },
        { verb: 'ListRecords', resumptionToken: '6511260|1001' },
        { verb: 'ListRecords', resumptionToken: '6511260|2001' },
      ]);
      assert.ok(s.requests.every((r) => r.startsWith('/oai?')));

      // Run again: a completed harvest reads the window anew and changes nothing.
      const again = await harvestOai(store, { baseUrl: `${s.url}/oai`, from: FROM, metadataPrefix: 'oai_dc', client });
      assert.equal(again.resumed, false);
      assert.equal(again.unchanged, 2265);
      assert.equal((await store.stats()).papers, 2265);
      assert.equal(queries(s)[3]!.from, FROM);
    });

    test('a failure mid-chain keeps page 1, and the next run resumes at its token', async () => {
      await freshStore();
      const s = await serve(chainRoute((req) => (req.count <= 3 ? { status: 500, body: 'boom' } : ok(chain[1]!))));
      const { client, logs } = recordingClient({ retries: 2 });
      const options = { baseUrl: `${s.url}/oai`, from: FROM, metadataPrefix: 'oai_dc' as const, client };

      await assert.rejects(harvestOai(store, options), (err: Error) => {
        assert.match(err.message, /resumptionToken=6511260%7C1001/);
        assert.match(err.message, /failed after 3 attempts \(last: HTTP 500/);
        assert.match(err.message, /re-run the same command to resume/);
        return true;
      });
      assert.equal(logs.length, 2, 'one line per retry');
      assert.equal((await store.stats()).papers, 1000);
      assert.equal((await store.stats()).lastRun?.status, 'failed');

      const firstOfSecondRun = s.requests.length;
      const resumeLines: string[] = [];
      const report = await harvestOai(store, { ...options, log: (line) => resumeLines.push(line) });
      assert.deepEqual(queries(s)[firstOfSecondRun], { verb: 'ListRecords', resumptionToken: '6511260|1001' });
      assert.equal(report.resumed, true);
      assert.equal(report.pages, 2);
      assert.equal(report.read, 1265);
      assert.match(resumeLines[0]!, /Resuming .* at token 6511260\|1001 \(1000 records already in\)/);
      assert.equal((await store.stats()).papers, 2265);
    });
  });

  describe('on tiny inline pages', () => {
    const harvest = (s: ReplayServer, client = recordingClient().client) =>
      harvestOai(store, { baseUrl: `${s.url}/oai`, from: FROM, until: '2023-03-08', set: 'cs', client, log: () => {} });

    test('asks for the arXiv format, the window and the set; sends its User-Agent', async () => {
      await freshStore();
      let userAgent: string | undefined;
      const s = await serve((req) => {
        userAgent = req.headers['user-agent'];
        return ok(oaiPage(['2303.00001']));
      });
      const report = await harvest(s);
      assert.deepEqual(queries(s), [{ verb: 'ListRecords', metadataPrefix: 'arXiv', from: FROM, until: '2023-03-08', set: 'cs' }]);
      assert.equal(userAgent, 'paperboy-tests');
      assert.equal(report.added, 1);
    });

    test('waits as long as a 503 Retry-After says, then goes on', async () => {
      await freshStore();
      const s = await serve((req) =>
        req.count === 1 ? { status: 503, headers: { 'Retry-After': '7' }, body: 'busy' } : ok(oaiPage(['2303.00001', '2303.00002'])),
      );
      const { client, sleeps, logs } = recordingClient();
      const report = await harvest(s, client);
      assert.deepEqual(sleeps, [7000]);
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, /HTTP 503 .*retry 1 of 4 in 7\.0 s/);
      assert.equal(report.added, 2);
      assert.equal(s.requests.length, 2);
    });

    test('backs off exponentially, with jitter, when the server gives no Retry-After', async () => {
      await freshStore();
      const s = await serve((req) => (req.count <= 3 ? { status: 502, body: '' } : ok(oaiPage(['2303.00001']))));
      const { client, sleeps } = recordingClient();
      await harvest(s, client);
      assert.equal(sleeps.length, 3);
      [2000, 4000, 8000].forEach((backoff, i) => assert.ok(sleeps[i]! >= backoff / 2 && sleeps[i]! <= backoff, `retry ${i + 1}: ${sleeps[i]} ms`));
    });

    test('refuses a Retry-After beyond 10 minutes instead of hanging', async () => {
      const s = await serve(() => ({ status: 503, headers: { 'Retry-After': '3600' }, body: '' }));
      const { client, sleeps } = recordingClient();
      await assert.rejects(harvest(s, client), /asks us to wait 3600 s, more than the 600 s/);
      assert.deepEqual(sleeps, []);
    });

    test('gives up on a server that never answers, after the retries', async () => {
      const s = await serve(() => ({ status: 200, body: oaiPage([]), delayMs: 10_000 }));
      const { client } = recordingClient({ timeoutMs: 100, retries: 1 });
      await assert.rejects(harvest(s, client), /failed after 2 attempts \(last: no complete answer within 0\.1 s\)/);
      assert.equal(s.requests.length, 2);
    });

    test('fails at once on a 404, naming status and URL', async () => {
      const s = await serve(() => ({ status: 404, body: 'not here' }));
      const { client, sleeps } = recordingClient();
      await assert.rejects(harvest(s, client), (err: Error) => {
        assert.match(err.message, /HTTP 404 Not Found/);
        assert.ok(err.message.includes(`${s.url}/oai?verb=ListRecords`), err.message);
        return true;
      });
      assert.equal(s.requests.length, 1);
      assert.deepEqual(sleeps, []);
    });

    test('noRecordsMatch is an empty window, not a failure', async () => {
      await freshStore();
      const s = await serve(() => ok(oaiError('noRecordsMatch', 'No records match')));
      const report = await harvest(s);
      assert.equal(report.read, 0);
      assert.equal(report.pages, 0);
      assert.equal((await store.stats()).lastRun?.status, 'done');
    });

    test('accept keeps the wanted papers and counts the rest as skipped', async () => {
      await freshStore();
      const s = await serve(() => ok(oaiPage(['2303.00001', '2303.00002'])));
      const report = await harvestOai(store, { baseUrl: `${s.url}/oai`, from: FROM, client: recordingClient().client, log: () => {}, accept: (p) => p.id === '2303.00002' });
      assert.equal(report.added, 1);
      assert.equal(report.skipped, 1);
      assert.equal(await store.getPaper('2303.00001'), undefined);
    });

    test('other OAI errors fail with the code and message', async () => {
      const s = await serve(() => ok(oaiError('badArgument', 'Illegal set')));
      await assert.rejects(harvest(s), /OAI-PMH error from .*: badArgument: Illegal set/);
    });

    // Until parseOaiPmhPage throws on a document without an <OAI-PMH> root, such a page reads as an
    // empty last page and the harvest ends early as if complete.
    test('a page that is not OAI-PMH XML fails, naming the URL', async () => {
      const s = await serve(() => ok('<html><body>Service temporarily unavailable'));
      await assert.rejects(harvest(s), (err: Error) => err.message.includes(`${s.url}/oai?verb=ListRecords`));
    });

    test('an expired stored token makes the next run start the window over', async () => {
      await freshStore();
      // T1 fails the first run (no retries); then the server has forgotten it; then it works again.
      const s = await serve((req) => {
        const token = req.query.get('resumptionToken');
        if (token === null) return ok(oaiPage(['2303.00001'], 'T1'));
        if (req.count === 1) return { status: 500, body: '' };
        if (req.count === 2) return ok(oaiError('badResumptionToken', 'expired'));
        return ok(oaiPage(['2303.00002']));
      });
      const { client } = recordingClient({ retries: 0 });
      await assert.rejects(harvest(s, client));
      const before = s.requests.length;
      const report = await harvest(s, client);
      assert.deepEqual(queries(s).slice(before).map((q) => q.resumptionToken ?? 'first page'), ['T1', 'first page', 'T1']);
      assert.equal(report.resumed, false);
      assert.equal((await store.stats()).papers, 2);
    });

    test('a server that hands back the token it was given is not followed forever', async () => {
      const s = await serve((req) => ok(oaiPage(['2303.00001'], req.query.get('resumptionToken') ?? 'T1')));
      await assert.rejects(harvest(s), /returned its own resumption token T1/);
      assert.equal(s.requests.length, 2);
    });

    test('a bad date is refused before any request', async () => {
      const s = await serve(() => ok(oaiPage([])));
      const { client } = recordingClient();
      await assert.rejects(harvestOai(store, { baseUrl: s.url, from: '7 March', client }), /from must be a date as YYYY-MM-DD/);
      await assert.rejects(harvestOai(store, { baseUrl: s.url, from: FROM, until: '2023-03-01', client }), /until \(2023-03-01\) is before from/);
      assert.equal(s.requests.length, 0);
    });
  });
});

describe('polite HTTP client', () => {
  test('spaces requests to the same host by minDelayMs', async () => {
    const s = await serve(() => ok('fine'));
    const { client, sleeps } = recordingClient({ minDelayMs: 3000 });
    await client.getText(`${s.url}/a`);
    await client.getText(`${s.url}/b`);
    assert.equal(sleeps.length, 1);
    assert.ok(sleeps[0]! > 2000 && sleeps[0]! <= 3000, `${sleeps[0]} ms`);
  });

  test('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe('categoriesToOaiSets', () => {
  test('maps categories to their archive sets, each once', () => {
    assert.deepEqual(
      categoriesToOaiSets(['cs.LG', 'stat.ML', 'cs.CL', 'math.CO', 'hep-th', 'astro-ph.GA', 'q-bio.NC', 'eess.SP', 'econ.EM', 'q-fin.ST', 'nlin.CD', 'cond-mat.str-el', 'physics.optics', 'quant-ph']),
      ['cs', 'stat', 'math', 'physics:hep-th', 'physics:astro-ph', 'q-bio', 'eess', 'econ', 'q-fin', 'physics:nlin', 'physics:cond-mat', 'physics:physics', 'physics:quant-ph'],
    );
  });

  test('refuses what is not an arXiv category', () => {
    assert.throws(() => categoriesToOaiSets(['cs.LG', 'machine-learning', 'bio.XX']), /Not arXiv categories: machine-learning, bio\.XX/);
  });
});
