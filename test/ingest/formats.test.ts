// Every parser on small fixtures (test/fixtures) modelled on real responses: exact field values,
// and bad records reported with their position while the rest is still read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { PaperRecord, ParseResult } from '../../src/paper/types.ts';
import { parseArxivAtomPage, parseArxivAtomStream } from '../../src/ingest/formats/arxiv-atom.ts';
import { XmlRecordSplitter } from '../../src/ingest/formats/common.ts';
import { parseHfDailyDocument, parseHfDailyLines } from '../../src/ingest/formats/hf-daily.ts';
import { parseKaggleLines } from '../../src/ingest/formats/kaggle.ts';
import { parseOaiPmhPage, parseOaiPmhStream } from '../../src/ingest/formats/oai-pmh.ts';
import { parsePythonLiteral } from '../../src/ingest/formats/python-literal.ts';
import { detectFormat, listInputs, readInputs } from '../../src/ingest/sources.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixturePath = (name: string) => join(FIXTURES, name);
const fixture = (name: string) => readFileSync(fixturePath(name), 'utf8');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The text in chunks of the given size, to exercise record boundaries falling anywhere. */
async function* chunks(text: string, size: number): AsyncIterable<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function* linesOf(text: string): AsyncIterable<string> {
  yield* text.split('\n');
}

function okRecords(results: ParseResult[]): PaperRecord[] {
  return results.flatMap((r) => ('ok' in r ? [r.ok] : []));
}

function outcome(r: ParseResult): string {
  if ('ok' in r) return `ok ${r.origin.position} ${r.ok.id}`;
  if ('error' in r) return `error ${r.error.position}: ${r.error.reason}`;
  return `skip ${r.skip.position}: ${r.skip.reason}`;
}

describe('OAI-PMH, metadataPrefix=arXiv', () => {
  const page = parseOaiPmhPage(fixture('oai-arxiv.xml'), 'oai-arxiv.xml');

  test('reads the records, skips the deleted one, and has no token on a last page', () => {
    assert.deepEqual(page.results.map(outcome), [
      'ok record 1 0704.0001',
      'ok record 2 0704.0009',
      'skip record 3: deleted upstream: oai:arXiv.org:0704.0005',
      'ok record 4 hep-th/9901001',
    ]);
    assert.equal(page.resumptionToken, undefined);
    assert.equal(page.completeListSize, 4);
    assert.equal(page.cursor, 0);
    assert.equal(page.oaiError, undefined);
  });

  test('maps every field of a record, accents and all', () => {
    assert.deepEqual(page.results[0], {
      ok: {
        id: '0704.0001',
        title: 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies',
        abstract:
          'A fully differential calculation in perturbative quantum chromodynamics is presented for the production of massive photon pairs at hadron colliders. All next-to-leading order perturbative contributions from quark-antiquark, gluon-(anti)quark, and gluon-gluon subprocesses are included, as well as all-orders resummation of initial-state gluon radiation valid at next-to-next-to-leading logarithmic accuracy.',
        authors: ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan'],
        categories: ['hep-ph'],
        published: '2007-04-02T00:00:00.000Z',
        updated: '2007-07-24T00:00:00.000Z',
        comments: '37 pages, 15 figures; published version',
        reportNo: 'ANL-HEP-PR-07-12',
        journalRef: 'Phys.Rev.D76:013009,2007',
        doi: '10.1103/PhysRevD.76.013009',
      },
      origin: { source: 'oai-arxiv.xml', position: 'record 1' },
    });
  });

  test('puts a suffix after the name; a record without <updated> was never revised', () => {
    const [, evans, , imamura] = page.results.map((r) => ('ok' in r ? r.ok : undefined));
    assert.deepEqual(evans?.authors, ['Paul Harvey', 'Bruno Merin', 'Neal J. Evans II', 'Philip C. Myers']);
    assert.equal(evans?.updated, '2007-04-02T00:00:00.000Z');
    assert.deepEqual(imamura?.authors, ['Yosuke Imamura', 'Zoë Müller-Lütkenhöner']);
    assert.deepEqual(imamura?.categories, ['hep-th', 'math.AG']);
    assert.equal(imamura?.license, 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/');
  });
});

describe('OAI-PMH, metadataPrefix=arXivRaw', () => {
  const page = parseOaiPmhPage(fixture('oai-arxivraw.xml'), 'oai-arxivraw.xml');
  const [balazs, pan, brommer] = okRecords(page.results);

  test('reads versions with their dates and sizes; they decide published, updated and latestVersion', () => {
    assert.equal(page.results.length, 3);
    assert.deepEqual(pan, {
      id: '0704.0003',
      title: 'The evolution of the Earth-Moon system based on the dark matter field fluid model',
      abstract:
        'The evolution of Earth-Moon system is described by the dark matter field fluid model proposed in the Meeting of Division of Particle and Field 2004, American Physical Society.\n\nThe current behavior of the Earth-Moon system agrees with this model very well.',
      authors: ['Hongjun Pan'],
      categories: ['physics.gen-ph'],
      comments: '23 pages, 3 figures',
      versions: [
        { version: 1, created: '2007-04-01T20:46:54.000Z', size: '130kb' },
        { version: 2, created: '2007-12-08T23:47:24.000Z', size: '135kb' },
        { version: 3, created: '2008-01-13T00:36:28.000Z', size: '138kb' },
      ],
      latestVersion: 3,
      published: '2007-04-01T20:46:54.000Z',
      updated: '2008-01-13T00:36:28.000Z',
    });
  });

  test('splits the author string, decoding TeX and dropping affiliations', () => {
    assert.deepEqual(balazs?.authors, ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan']);
    assert.equal(balazs?.latestVersion, 2);
    assert.deepEqual(brommer?.authors, ['Peter Brommer', 'Franz Gähler']);
  });

  test('a blank abstract is left out; an empty resumptionToken means the last page', () => {
    assert.equal(brommer?.abstract, undefined);
    assert.equal('abstract' in brommer!, false);
    assert.equal(page.resumptionToken, undefined);
    assert.equal(page.completeListSize, 3);
  });
});

describe('OAI-PMH, metadataPrefix=oai_dc, with broken records', () => {
  const page = parseOaiPmhPage(fixture('oai-dc-broken.xml'), 'oai-dc-broken.xml');

  test('reports the unterminated record and the one without a title, and reads the others', () => {
    assert.deepEqual(page.results.map(outcome), [
      'ok record 1 0806.4410',
      'error record 2: unterminated <record> element: "<record> <header> <identifier>oai:arXiv.org:1308.5395</identifier> <datestamp>20…"',
      'error record 3: missing title (2303.00735)',
      'ok record 4 2107.10460',
    ]);
    assert.equal(page.resumptionToken, '6511260|1001');
    assert.equal(page.completeListSize, 5);
    assert.equal(page.cursor, 0);
  });

  test('maps Dublin Core: reversed names, category names to codes, Comment:, first and last date', () => {
    assert.deepEqual(page.results[0], {
      ok: {
        id: '0806.4410',
        title: 'Summing the curious series of Kempner and Irwin',
        abstract:
          'In 1914, Kempner proved that the series 1/1 + 1/2 + ... + 1/8 + 1/10 + 1/11 + ... + 1/18 + 1/20 + 1/21 + ... where the denominators are the positive integers that do not contain the digit 9, converges to a sum less than 90.',
        authors: ['Robert Baillie'],
        categories: ['math.CA', 'math.NT'], // the MSC codes "40-01, 65B10" are dropped
        published: '2008-06-27T00:00:00.000Z',
        updated: '2023-03-04T00:00:00.000Z',
        comments: '29 pages, 2 figures, 10 tables. Several new sections. Expanded Mathematica code, which is now in the ancillary files',
      },
      origin: { source: 'oai-dc-broken.xml', position: 'record 1' },
    });
  });

  test('tells identifiers apart, decodes entities, and falls back to the setSpecs for categories', () => {
    const record = okRecords(page.results)[1]!;
    assert.equal(record.doi, '10.1038/s41535-022-00470-6');
    assert.equal(record.journalRef, 'npj Quantum Materials 7, 62 (2022)');
    assert.deepEqual(record.categories, ['cond-mat', 'quant-ph']);
    assert.equal(record.published, '2021-07-22T00:00:00.000Z');
    assert.equal(record.updated, '2021-07-22T00:00:00.000Z');
    assert.match(record.abstract!, /Schr\\"odinger-hole cylinders & more, at \$T < 1\$ K \(ν = 0\)\.$/);
  });

  test('a mismatched tag loses only its own record', () => {
    const xml = `<OAI-PMH><ListRecords>
      <record><header><identifier>oai:arXiv.org:0806.4410</identifier></header><metadata><oai_dc:dc><dc:title>Fine</dc:title></oai_dc:dc></metadata></record>
      <record><header><identifier>oai:arXiv.org:1308.5395</identifier></header><metadata><oai_dc:dc><dc:title>Broken</dc:titel></oai_dc:dc></metadata></record>
      <record><header><identifier>oai:arXiv.org:2303.00735</identifier></header><metadata><oai_dc:dc><dc:title>Also fine</dc:title></oai_dc:dc></metadata></record>
    </ListRecords></OAI-PMH>`;
    assert.deepEqual(parseOaiPmhPage(xml, 'inline').results.map(outcome), [
      'ok record 1 0806.4410',
      "error record 2: malformed XML: Expected closing tag 'dc:title' (opened in line 1, col 95) instead of closing tag 'dc:titel' (line 1 of the record)",
      'ok record 3 2303.00735',
    ]);
  });

  test('reports an OAI-PMH error and a metadata format it does not know', () => {
    const error = `<OAI-PMH><request verb="ListRecords">http://export.arxiv.org/oai2</request><error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.</error></OAI-PMH>`;
    assert.deepEqual(parseOaiPmhPage(error, 'inline'), {
      results: [],
      oaiError: { code: 'badResumptionToken', message: 'The value of the resumptionToken argument is invalid or expired.' },
    });
    const marc = `<OAI-PMH><GetRecord><record><header><identifier>oai:arXiv.org:0704.0001</identifier></header><metadata><marc:record xmlns:marc="http://www.loc.gov/MARC21/slim"><marc:leader>x</marc:leader></marc:record></metadata></record></GetRecord></OAI-PMH>`;
    assert.deepEqual(parseOaiPmhPage(marc, 'inline').results.map(outcome), ['error record 1: unsupported metadata format <record> (oai:arXiv.org:0704.0001)']);
  });
});

describe('OAI-PMH: what is not a whole response', () => {
  test('an HTML page or a page cut off in transfer throws, so it is never taken for the last page', () => {
    assert.throws(() => parseOaiPmhPage('<html><body>Service temporarily unavailable', 'u'), {
      message: 'expected a <OAI-PMH> document, got "<html><body>Service temporarily unavailable"',
    });
    const xml = fixture('oai-dc-broken.xml');
    assert.throws(() => parseOaiPmhPage(xml.slice(0, xml.indexOf('<resumptionToken')), 'u'), /^Error: malformed or cut-off <OAI-PMH> document/);
  });

  test('a saved file cut off between records keeps its records and gets one file-level error', async () => {
    const xml = fixture('oai-arxiv.xml');
    const results = await collect(parseOaiPmhStream(chunks(xml.slice(0, xml.indexOf('<resumptionToken')), 500), 'cut.xml'));
    assert.deepEqual(results.map(outcome), [
      'ok record 1 0704.0001',
      'ok record 2 0704.0009',
      'skip record 3: deleted upstream: oai:arXiv.org:0704.0005',
      'ok record 4 hep-th/9901001',
      `error file: malformed or cut-off <OAI-PMH> document: Invalid '[ "OAI-PMH", "ListRecords"]' found.`,
    ]);
  });
});

describe('OAI-PMH as a stream', () => {
  for (const name of ['oai-arxiv.xml', 'oai-arxivraw.xml', 'oai-dc-broken.xml']) {
    test(`${name}: the same results as the page parser, wherever the chunks are cut`, async () => {
      const xml = fixture(name);
      const expected = parseOaiPmhPage(xml, name).results;
      for (const size of [1, 7, 100, 4096, xml.length]) {
        assert.deepEqual(await collect(parseOaiPmhStream(chunks(xml, size), name)), expected, `chunk size ${size}`);
      }
    });
  }

  test('an OAI-PMH error in a saved file is one file-level error; noRecordsMatch is just empty', async () => {
    const bad = '<OAI-PMH><error code="badArgument">Illegal argument</error></OAI-PMH>';
    assert.deepEqual(await collect(parseOaiPmhStream(chunks(bad, 10), 'f.xml')), [
      { error: { source: 'f.xml', position: 'file', reason: 'OAI-PMH error badArgument: Illegal argument' } },
    ]);
    const empty = '<OAI-PMH><error code="noRecordsMatch">No records</error></OAI-PMH>';
    assert.deepEqual(await collect(parseOaiPmhStream(chunks(empty, 10), 'f.xml')), []);
  });
});

describe('XmlRecordSplitter', () => {
  test('cuts records out of arbitrary chunks, keeping the envelope', () => {
    const splitter = new XmlRecordSplitter('entry');
    const doc = '<feed><title>t</title><entry><id>1</id></entry><entries/><entry a="1"><x:entry/><id>2</id></entry></feed>';
    const fragments = [...doc].flatMap((ch) => splitter.push(ch)).concat(splitter.end());
    assert.deepEqual(fragments, [
      { xml: '<entry><id>1</id></entry>', complete: true },
      { xml: '<entry a="1"><x:entry/><id>2</id></entry>', complete: true },
    ]);
    assert.equal(splitter.envelope, '<feed><title>t</title><entries/></feed>');
  });

  test('a record cut off at the end of the input comes out incomplete', () => {
    const splitter = new XmlRecordSplitter('record');
    assert.deepEqual(splitter.push('<r><record><a>1</a></record><record><a>'), [{ xml: '<record><a>1</a></record>', complete: true }]);
    assert.deepEqual(splitter.end(), [{ xml: '<record><a>', complete: false }]);
  });
});

describe('arXiv API Atom', () => {
  const page = parseArxivAtomPage(fixture('arxiv-atom.xml'), 'arxiv-atom.xml');

  test('reads entries, reports the API error entry and the broken entry, and the total', () => {
    assert.deepEqual(page.results.map(outcome), [
      'ok entry 1 0704.0002',
      'error entry 2: arXiv API error: incorrect id format for 0704.00x2',
      'ok entry 3 hep-th/9901001',
      "error entry 4: malformed XML: Expected closing tag 'summary' (opened in line 7, col 5) instead of closing tag 'sumary' (line 7 of the entry)",
      'ok entry 5 0704.0009',
    ]);
    assert.equal(page.totalResults, 5);
  });

  test('maps an entry: id and version from its URL, primary category first, the known versions', () => {
    assert.deepEqual(page.results[0], {
      ok: {
        id: '0704.0002',
        title: 'Sparsity-certifying Graph Decompositions',
        abstract:
          'We describe a new algorithm, the $(k,\\ell)$-pebble game with colors, and use it obtain a characterization of the family of $(k,\\ell)$-sparse graphs and algorithmic solutions to a family of problems concerning tree decompositions of graphs.',
        authors: ['Ileana Streinu', 'Louis Theran'],
        categories: ['math.CO', 'cs.CG'],
        versions: [
          { version: 1, created: '2007-03-31T02:26:18.000Z' },
          { version: 2, created: '2008-12-13T17:26:00.000Z' },
        ],
        latestVersion: 2,
        published: '2007-03-31T02:26:18.000Z',
        updated: '2008-12-13T17:26:00.000Z',
        comments: 'To appear in Graphs and Combinatorics',
      },
      origin: { source: 'arxiv-atom.xml', position: 'entry 1' },
    });
  });

  test('old-style ids, DOI and journal reference; a v1 entry was last changed when submitted', () => {
    const [, imamura, evans] = okRecords(page.results);
    assert.equal(imamura?.id, 'hep-th/9901001');
    assert.equal(imamura?.latestVersion, 3);
    assert.equal(imamura?.doi, '10.1143/PTP.101.1155');
    assert.equal(imamura?.journalRef, 'Prog.Theor.Phys.101:1155-1164,1999');
    assert.deepEqual(evans?.versions, [{ version: 1, created: '2007-04-02T19:41:34.000Z' }]);
    assert.equal(evans?.updated, '2007-04-02T19:41:34.000Z');
    assert.equal(evans?.abstract, undefined);
  });

  test('a page that is not a whole Atom feed throws', () => {
    assert.throws(() => parseArxivAtomPage('<html><body>Rate limit exceeded</body></html>', 'u'), /expected a <feed> document, got "<html>/);
    const xml = fixture('arxiv-atom.xml');
    assert.throws(() => parseArxivAtomPage(xml.slice(0, xml.lastIndexOf('</feed>')), 'u'), { message: "malformed or cut-off <feed> document: Unclosed tag 'feed'." });
  });

  test('an empty feed has no results', () => {
    const empty = '<feed xmlns="http://www.w3.org/2005/Atom"><opensearch:totalResults>0</opensearch:totalResults></feed>';
    assert.deepEqual(parseArxivAtomPage(empty, 'inline'), { results: [], totalResults: 0 });
  });

  test('as a stream, the same results wherever the chunks are cut', async () => {
    const xml = fixture('arxiv-atom.xml');
    for (const size of [3, 64, 1000]) {
      assert.deepEqual(await collect(parseArxivAtomStream(chunks(xml, size), 'arxiv-atom.xml')), page.results);
    }
  });
});

describe('Kaggle JSON lines', () => {
  test('parses good lines, reports bad ones by line number, skips blank lines', async () => {
    const results = await collect(parseKaggleLines(linesOf(fixture('kaggle.jsonl')), 'kaggle.jsonl'));
    assert.deepEqual(results.map(outcome), [
      'ok line 1 0704.0001',
      'error line 3: invalid JSON (Unterminated string in JSON at position 123): "{"id":"0704.0002","submitter":"Louis Theran","authors":"Ileana Streinu and Louis…"',
      'error line 4: missing arXiv id',
      'ok line 5 0704.0009',
      'ok line 6 0704.0163',
      'error line 7: missing title (0704.0010)',
    ]);
  });

  test('maps a line, with names from authors_parsed', async () => {
    const [balazs, evans, brommer] = okRecords(await collect(parseKaggleLines(linesOf(fixture('kaggle.jsonl')), 'k')));
    assert.deepEqual({ ...balazs, abstract: balazs?.abstract?.slice(0, 60) }, {
      id: '0704.0001',
      title: 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies',
      abstract: 'A fully differential calculation in perturbative quantum chr',
      authors: ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan'],
      categories: ['hep-ph'],
      versions: [
        { version: 1, created: '2007-04-02T19:18:42.000Z' },
        { version: 2, created: '2007-07-24T20:10:27.000Z' },
      ],
      latestVersion: 2,
      published: '2007-04-02T19:18:42.000Z',
      updated: '2007-07-24T20:10:27.000Z',
      comments: '37 pages, 15 figures; published version',
      journalRef: 'Phys.Rev.D76:013009,2007',
      doi: '10.1103/PhysRevD.76.013009',
      reportNo: 'ANL-HEP-PR-07-12',
    });
    assert.equal(evans?.authors[5], 'Neal J. Evans II');
    assert.equal(evans?.authors.length, 7);
    // no authors_parsed (the .abs conversion): the author string is split; sizes lose their source flag
    assert.deepEqual(brommer?.authors, ['Peter Brommer', 'Franz Gähler']);
    assert.deepEqual(brommer?.versions, [{ version: 1, created: '2007-04-02T13:36:21.000Z', size: '39kb' }]);
  });
});

describe('Hugging Face daily papers', () => {
  test('a JSON array mixing objects and Python-repr strings; undecodable and id-less entries are reported', () => {
    const results = parseHfDailyDocument(fixture('hf-daily.json'), 'hf-daily.json', '2024-12-11');
    assert.deepEqual(results.map(outcome), [
      'ok entry 1 2506.09513',
      'ok entry 2 2412.07730',
      `error entry 3: not JSON and not a Python literal (Expected property name or '}' in JSON at position 1; unterminated string at offset 51): "{'paper': {'id': '2412.07731', 'title': 'Truncated"`,
      'error entry 4: not an arXiv id: "not-an-id"',
    ]);
    assert.deepEqual(results[0], {
      ok: {
        id: '2506.09513',
        title: 'ReasonMed: A 370K Multi-Agent Generated Dataset for Advancing Medical Reasoning',
        abstract: okRecords(results)[0]!.abstract,
        authors: ['Yu Sun', 'Xingyu Qian', 'Weiwen Xu'],
        published: '2025-06-11T08:36:55.000Z',
        listedAt: '2025-06-13T01:06:46.741Z',
        codeUrls: ['https://github.com/YuSun-Work/ReasonMed'],
        projectPage: 'https://reasonmed.example.org',
        hf: {
          upvotes: 31,
          numComments: 1,
          submitter: 'YuSun-AI',
          githubRepo: 'https://github.com/YuSun-Work/ReasonMed',
          githubStars: 212,
          aiSummary:
            'ReasonMed, a large medical reasoning dataset, enhances the accuracy of medical question answering models by combining detailed reasoning paths with concise summaries, setting new benchmarks for model performance.',
          aiKeywords: ['reasoning-based large language models', 'LLMs', 'medical question answering', 'ReasonMed', 'multi-agent verification', 'Error Refiner', 'Chain-of-Thought', 'CoT reasoning', 'ReasonMed-7B', 'PubMedQA'],
          dailyDate: '2024-12-11',
          organization: 'ReasonMed Lab',
        },
      },
      origin: { source: 'hf-daily.json', position: 'entry 1' },
    });
    assert.match(okRecords(results)[0]!.abstract!, /^Though reasoning-based large language models \(LLMs\) have excelled in mathematics/);
  });

  test("Hugging Face's thumbnail and media come along, and only from its own CDN over https", () => {
    const entry = {
      paper: { id: '2608.19880', title: 'EnvHarness', summary: 'Agents.', authors: [{ name: 'A B' }], publishedAt: '2026-08-20T00:00:00.000Z', upvotes: 3,
        mediaUrls: ['https://cdn-uploads.huggingface.co/production/uploads/x/fig1.png', 'http://cdn-uploads.huggingface.co/plain-http.png', 'https://evil.example/track.png', 'javascript:alert(1)', 'https://cdn-uploads.huggingface.co.evil.example/x.png'] },
      thumbnail: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.19880.png',
      submittedBy: { name: 'someone' },
    };
    const [ok] = okRecords(parseHfDailyDocument(JSON.stringify([entry]), 'h.json', '2026-08-21'));
    assert.equal(ok?.hf?.thumbnail, 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.19880.png');
    assert.deepEqual(ok?.hf?.mediaUrls, ['https://cdn-uploads.huggingface.co/production/uploads/x/fig1.png']);
    const [hostile] = okRecords(parseHfDailyDocument(JSON.stringify([{ ...entry, thumbnail: 'https://evil.example/t.png', paper: { ...entry.paper, mediaUrls: [] } }]), 'h.json', '2026-08-21'));
    assert.equal(hostile?.hf?.thumbnail, undefined);
    assert.equal(hostile?.hf?.mediaUrls, undefined);
  });

  test('a Python-repr entry keeps its escapes and quotes; listedAt falls back to the entry time', () => {
    const stiv = okRecords(parseHfDailyDocument(fixture('hf-daily.json'), 'h', '2024-12-11'))[1]!;
    assert.equal(stiv.title, 'STIV: Scalable Text and Image Conditioned Video Generation (it\'s "simple")');
    assert.match(stiv.abstract!, /text-image Café \\ done\.$/);
    assert.deepEqual(stiv.authors, ['Zongyu Lin', 'Wei Liu']);
    assert.equal(stiv.listedAt, '2024-12-11T01:02:25.688Z');
    assert.deepEqual(stiv.hf, { upvotes: 54, numComments: 2, submitter: 'yyf86', dailyDate: '2024-12-11' });
  });

  test('the {status, date, data} envelope gives the list date when the file name does not', () => {
    const [gan] = parseHfDailyDocument(fixture('hf-daily-envelope.json'), 'envelope.json');
    assert.ok(gan && 'ok' in gan);
    assert.equal(gan.ok.id, '2501.05441');
    // Its entry time (2025-01-09T22:24Z) falls on the day before the list: the list's day wins.
    assert.equal(gan.ok.listedAt, '2025-01-10T00:00:00.000Z');
    assert.equal(gan.ok.hf?.dailyDate, '2025-01-10');
    assert.equal(gan.ok.hf?.submitter, 'Skylion007');
  });

  test('a document that is not a list is one file-level error', () => {
    assert.deepEqual(parseHfDailyDocument('{"error": "Not found"}', 'x.json'), [
      { error: { source: 'x.json', position: 'file', reason: 'expected a JSON array of daily papers or an object with a "data" array' } },
    ]);
    assert.equal(parseHfDailyDocument('[{"paper": ', 'x.json').length, 1);
  });

  test('normalised JSON lines take the list date from each line', async () => {
    const results = await collect(parseHfDailyLines(linesOf(fixture('hf-daily.jsonl')), 'hf-daily.jsonl'));
    assert.deepEqual(results.map((r) => outcome(r).replace(/ \(.*$/, '')), ['ok line 1 2405.15738', 'error line 3: not JSON and not a Python literal', 'ok line 4 2405.15071']);
    const [convllava, grokked] = okRecords(results);
    assert.equal(convllava?.listedAt, '2024-05-27T03:50:58.348Z');
    assert.deepEqual(convllava?.hf, { upvotes: 32, numComments: 3, dailyDate: '2024-05-27' });
    assert.deepEqual(grokked?.authors, ['Boshi Wang', 'Xiang Yue']);
    assert.equal(grokked?.hf?.dailyDate, '2024-05-28');
  });
});

describe('parsePythonLiteral', () => {
  test('reads what repr() writes', () => {
    assert.deepEqual(parsePythonLiteral("{'a': [1, -2.5, 3e2, True, False, None], \"b\": ('x',), 'c': (), 'd': (7), 'e': {},}"), {
      a: [1, -2.5, 300, true, false, null],
      b: ['x'],
      c: [],
      d: 7,
      e: {},
    });
  });

  test('decodes string escapes', () => {
    assert.equal(parsePythonLiteral(String.raw`'it\'s \"q\" \\ \n\t\x41\u00e9\U0001F600\101'`), 'it\'s "q" \\ \n\tAé😀A');
    assert.equal(parsePythonLiteral(`"it's"`), "it's");
    assert.equal(parsePythonLiteral(String.raw`'\d'`), '\\d'); // unknown escapes stay, as in Python
  });

  test('keeps a "__proto__" key as data', () => {
    const value = parsePythonLiteral("{'__proto__': {'polluted': True}}") as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const invalid: [string, RegExp][] = [
    ["{'a': 1", /expected "," or "}" at offset 7/],
    ["'unterminated", /unterminated string/],
    ["{'a' 1}", /expected ":"/],
    ['[1, 2] extra', /unexpected text after the literal at offset 7/],
    ['__import__("os")', /unexpected "__import__" at offset 0/],
    ['toString', /unexpected "toString"/],
    ["'\\x4'", /bad escape/],
    ['{[1]: 2}', /unhashable dict key/],
    ['', /unexpected end of input/],
  ];
  for (const [source, message] of invalid) {
    test(`rejects ${JSON.stringify(source)}`, () => assert.throws(() => parsePythonLiteral(source), message));
  }
});

describe('sources', () => {
  test('detectFormat recognises each format from its head', () => {
    assert.equal(detectFormat(fixture('oai-dc-broken.xml')), 'oai-pmh');
    assert.equal(detectFormat(fixture('arxiv-atom.xml')), 'arxiv-atom');
    assert.equal(detectFormat(fixture('hf-daily.json')), 'hf-daily');
    assert.equal(detectFormat(fixture('hf-daily-envelope.json')), 'hf-daily');
    assert.equal(detectFormat(fixture('hf-daily.jsonl')), 'hf-daily-jsonl');
    assert.equal(detectFormat(fixture('kaggle.jsonl')), 'kaggle-jsonl');
    assert.equal(detectFormat('\uFEFF{"id": "0704.0001", "authors": "A. B"}'), 'kaggle-jsonl');
    assert.equal(detectFormat('<html><body>Too many requests</body></html>'), undefined);
    assert.equal(detectFormat('<feed xmlns="http://www.w3.org/2005/Atom"><title>Some blog</title></feed>'), undefined);
    assert.equal(detectFormat('{"_id": "1", "title": "A BEIR corpus line", "text": "..."}'), undefined);
    assert.equal(detectFormat('id,title\n1,x'), undefined);
  });

  test('listInputs walks folders in sorted order and leaves out what is not input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paperboy-sources-'));
    mkdirSync(join(dir, 'b'));
    for (const name of ['b/2.jsonl', 'a.xml', 'c.json.gz', '.hidden.xml', 'README.md', 'PROVENANCE.md', 'LICENSE.upstream', 'notes.txt', 'x.atom']) {
      writeFileSync(join(dir, name), 'x');
    }
    const files = await listInputs([dir]);
    assert.deepEqual(files.map((f) => f.path.slice(dir.length + 1)), ['a.xml', 'b/2.jsonl', 'c.json.gz', 'x.atom']);
    assert.equal(files[0]!.size, 1);
    await assert.rejects(listInputs([join(dir, 'nope')]), { message: `${join(dir, 'nope')} does not exist` });
  });

  test('readInputs streams each file through its parser, gunzips .gz and reports unknown files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paperboy-sources-'));
    const kaggle = readFileSync(fixturePath('kaggle.jsonl'));
    writeFileSync(join(dir, 'kaggle.jsonl.gz'), gzipSync(kaggle));
    writeFileSync(join(dir, '2024-12-11.json'), readFileSync(fixturePath('hf-daily.json')));
    writeFileSync(join(dir, 'page.html'), '<html>rate limited</html>');
    const files = [...(await listInputs([dir])), { path: join(dir, 'page.html'), size: 25 }];
    let bytes = 0;
    const results = await collect(readInputs(files, (n) => (bytes += n)));

    assert.equal(bytes, files.reduce((sum, f) => sum + f.size, 0));
    const bySource = (name: string) => results.filter((r) => ('ok' in r ? r.origin.source : 'error' in r ? r.error.source : r.skip.source).endsWith(name));
    assert.deepEqual(okRecords(bySource('kaggle.jsonl.gz')).map((r) => r.id), ['0704.0001', '0704.0009', '0704.0163']);
    assert.equal(bySource('kaggle.jsonl.gz').length, 6);
    assert.deepEqual(okRecords(bySource('2024-12-11.json')).map((r) => r.hf?.dailyDate), ['2024-12-11', '2024-12-11']);
    assert.deepEqual(bySource('page.html'), [
      {
        error: {
          source: join(dir, 'page.html'),
          position: 'file',
          reason: 'unrecognised format: expected an OAI-PMH response, an arXiv API Atom feed, Kaggle arXiv metadata JSON lines or Hugging Face daily papers JSON',
        },
      },
    ]);
  });

  test('a corrupt .gz is one error for that file and the next file is still read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paperboy-sources-'));
    writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(readFileSync(fixturePath('kaggle.jsonl'))).subarray(0, 200));
    writeFileSync(join(dir, 'b.xml'), readFileSync(fixturePath('oai-arxiv.xml')));
    const results = await collect(readInputs(await listInputs([dir])));
    assert.deepEqual(results.map(outcome), [
      'error file: could not read: unexpected end of file',
      'ok record 1 0704.0001',
      'ok record 2 0704.0009',
      'skip record 3: deleted upstream: oai:arXiv.org:0704.0005',
      'ok record 4 hep-th/9901001',
    ]);
  });
});

describe('control characters, in every format', () => {
  // U+202E (right-to-left override), NUL and BEL: each reaches a page's text as it is, and the
  // override turns what follows it around. They go, and the text around them stays.
  const BAD = '\u202e\u0000\u0007';
  const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

  /** Every string in a record, however deep, is free of control characters. */
  function assertClean(value: unknown, path = 'record'): void {
    if (typeof value === 'string') assert.doesNotMatch(value, CONTROL, `${path} holds a control character: ${JSON.stringify(value)}`);
    else if (Array.isArray(value)) value.forEach((v, i) => assertClean(v, `${path}[${i}]`));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertClean(v, `${path}.${k}`);
  }

  function only(results: ParseResult[], id: string): PaperRecord {
    const record = okRecords(results).find((r) => r.id === id);
    assert.ok(record, `${id} is read: ${results.map(outcome).join('; ')}`);
    assertClean(record);
    return record;
  }

  /** Puts the bad characters inside a word of a line of JSON (as JSON.stringify escapes them). */
  function editJsonLine(line: string, edit: (row: Record<string, any>) => void): string {
    const row = JSON.parse(line) as Record<string, any>;
    edit(row);
    return JSON.stringify(row);
  }

  test('OAI-PMH arXiv: in <title> and an author <keyname>', () => {
    const xml = fixture('oai-arxiv.xml').replace('Calculation of prompt', `Calcu${BAD}lation of prompt`).replace('<keyname>Balázs</keyname>', `<keyname>Bal${BAD}ázs</keyname>`);
    const r = only(parseOaiPmhPage(xml, 'oai-arxiv.xml').results, '0704.0001');
    assert.equal(r.title, 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies');
    assert.deepEqual(r.authors, ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan']);
  });

  test('OAI-PMH arXivRaw: in <title> and the <authors> string', () => {
    const xml = fixture('oai-arxivraw.xml').replace('Calculation of prompt', `Calcu${BAD}lation of prompt`).replace('E. L. Berger', `E. L. Ber${BAD}ger`);
    const r = only(parseOaiPmhPage(xml, 'oai-arxivraw.xml').results, '0704.0001');
    assert.equal(r.title, 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies');
    assert.deepEqual(r.authors, ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan']);
  });

  test('OAI-PMH oai_dc: in <dc:title> and <dc:creator>', () => {
    const xml = fixture('oai-dc-broken.xml').replace('Summing the curious series', `Summing the cur${BAD}ious series`).replace('Baillie, Robert', `Bail${BAD}lie, Rob${BAD}ert`);
    const results = parseOaiPmhPage(xml, 'oai-dc-broken.xml').results;
    const r = okRecords(results).find((p) => p.title.startsWith('Summing'));
    assert.ok(r, results.map(outcome).join('; '));
    assertClean(r);
    assert.equal(r.title, 'Summing the curious series of Kempner and Irwin');
    assert.equal(r.authors[0], 'Robert Baillie');
  });

  test('arXiv API Atom: in <title> and an author <name>', () => {
    const xml = fixture('arxiv-atom.xml').replace('Sparsity-certifying Graph', `Sparsity-cert${BAD}ifying Graph`).replace('<name>Ileana Streinu</name>', `<name>Ileana Strei${BAD}nu</name>`);
    const r = only(parseArxivAtomPage(xml, 'arxiv-atom.xml').results, '0704.0002');
    assert.equal(r.title, 'Sparsity-certifying Graph Decompositions');
    assert.deepEqual(r.authors, ['Ileana Streinu', 'Louis Theran']);
  });

  test('Kaggle JSON lines: in "title", "authors_parsed" and the "authors" string', async () => {
    const [first, ...rest] = fixture('kaggle.jsonl').split('\n');
    const edited = editJsonLine(first!, (row) => {
      row.title = String(row.title).replace('Calculation', `Calcu${BAD}lation`);
      row.authors_parsed[0][0] = `Bal${BAD}ázs`;
    });
    assert.match(edited, /\\u0000/, 'NUL as JSON writes it');
    const r = only(await collect(parseKaggleLines(linesOf([edited, ...rest].join('\n')), 'kaggle.jsonl')), '0704.0001');
    assert.equal(r.title, 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies');
    assert.deepEqual(r.authors, ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan']);

    // Without authors_parsed the string is split; right-to-left letters and a joiner stay.
    const persian = 'مدل\u200cهای زبانی';
    const line = JSON.stringify({ id: '2401.00001', title: `${persian} ${BAD}and models`, authors: `Ada Love${BAD}lace and علی ${BAD}رضایی`, abstract: `First\n${BAD}line.`, versions: [] });
    const s = only(await collect(parseKaggleLines(linesOf(line), 'k')), '2401.00001');
    assert.equal(s.title, `${persian} and models`);
    assert.deepEqual(s.authors, ['Ada Lovelace', 'علی رضایی']);
    assert.equal(s.abstract, 'First line.');
  });

  test('Hugging Face daily JSON: in the title, an author name and the AI summary', () => {
    const entries = JSON.parse(fixture('hf-daily.json')) as any[];
    entries[0].paper.title = `Reason${BAD}Med: A 370K Multi-Agent Generated Dataset for Advancing Medical Reasoning`;
    entries[0].paper.authors[0].name = `Yu ${BAD}Sun`;
    entries[0].paper.ai_summary = `ReasonMed, a ${BAD} large medical reasoning dataset.`;
    const r = only(parseHfDailyDocument(JSON.stringify(entries), 'hf-daily.json', '2024-12-11'), '2506.09513');
    assert.equal(r.title, 'ReasonMed: A 370K Multi-Agent Generated Dataset for Advancing Medical Reasoning');
    assert.deepEqual(r.authors, ['Yu Sun', 'Xingyu Qian', 'Weiwen Xu']);
    assert.equal(r.hf?.aiSummary, 'ReasonMed, a large medical reasoning dataset.');
  });

  test('Hugging Face daily, a Python-repr entry: escapes that decode to them', () => {
    const entries = JSON.parse(fixture('hf-daily.json')) as unknown[];
    const repr = String(entries[1]).replace("'title': 'STIV", String.raw`'title': 'ST\u202e\x00\x07IV`).replace("'name': 'Zongyu Lin'", String.raw`'name': 'Zong\u202e\x00\x07yu Lin'`);
    assert.notEqual(repr, entries[1], 'the fixture has the fields edited');
    const r = only(parseHfDailyDocument(JSON.stringify([repr]), 'hf-daily.json', '2024-12-11'), '2412.07730');
    assert.equal(r.title, 'STIV: Scalable Text and Image Conditioned Video Generation (it\'s "simple")');
    assert.deepEqual(r.authors, ['Zongyu Lin', 'Wei Liu']);
  });

  test('Hugging Face daily JSON lines: in the title and an author name', async () => {
    const [first, ...rest] = fixture('hf-daily.jsonl').split('\n');
    const edited = editJsonLine(first!, (row) => {
      row.paper.title = String(row.paper.title).replace('ConvLLaVA', `Conv${BAD}LLaVA`);
      row.paper.authors[0].name = `Chunjiang ${BAD}Ge`;
    });
    const r = only(await collect(parseHfDailyLines(linesOf([edited, ...rest].join('\n')), 'hf-daily.jsonl')), '2405.15738');
    assert.equal(r.title, 'ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models');
    assert.deepEqual(r.authors, ['Chunjiang Ge', 'Sijie Cheng']);
  });

  test('a title of control characters alone is a missing title, reported; the other records go in', async () => {
    const lines = [JSON.stringify({ id: '2401.00002', title: BAD, authors: 'A B' }), JSON.stringify({ id: '2401.00003', title: 'Fine', authors: 'A B' })];
    const results = await collect(parseKaggleLines(linesOf(lines.join('\n')), 'k'));
    assert.deepEqual(results.map(outcome), ['error line 1: missing title (2401.00002)', 'ok line 2 2401.00003']);
  });

  test('an error quoting bad input quotes it without its escape sequences', async () => {
    const [r] = await collect(parseKaggleLines(linesOf('{"id": "\u001b[31mred\u001b[0m'), 'k'));
    assert.ok(r && 'error' in r);
    assert.doesNotMatch(r.error.reason, CONTROL);
    assert.match(r.error.reason, /\[31mred\[0m/);
  });
});
