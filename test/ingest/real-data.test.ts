// Every parser on the real files in ../shared/data (see each folder's PROVENANCE.md for where they
// come from and the counts checked here). Skipped, loudly, when the data is not there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseArxivAtomPage } from '../../src/ingest/formats/arxiv-atom.ts';
import { parseOaiPmhPage } from '../../src/ingest/formats/oai-pmh.ts';
import { listInputs, readInputs } from '../../src/ingest/sources.ts';
import type { PaperRecord, ParseResult } from '../../src/paper/types.ts';
import { needsData, sharedData } from '../helpers/shared-data.ts';

async function readAll(...paths: string[]): Promise<ParseResult[]> {
  const results: ParseResult[] = [];
  for await (const result of readInputs(await listInputs(paths))) results.push(result);
  return results;
}

function split(results: ParseResult[]): { ok: PaperRecord[]; errors: ParseResult[] } {
  const ok = results.flatMap((r) => ('ok' in r ? [r.ok] : []));
  return { ok, errors: results.filter((r) => !('ok' in r)) };
}

const byId = (records: PaperRecord[], id: string) => records.find((r) => r.id === id);

describe('arXiv OAI-PMH (oai_dc), a 3-page ListRecords chain', { skip: needsData('arxiv-oai-pmh') }, () => {
  const page = (n: number) => parseOaiPmhPage(readFileSync(sharedData('arxiv-oai-pmh', `ListRecords_data_${n}.xml`), 'utf8'), `page ${n}`);
  const pages = [0, 1, 2].map(page);

  test('1000, 1000 and 265 records, every one parsed, chained by resumption tokens', () => {
    assert.deepEqual(
      pages.map((p) => [p.results.filter((r) => 'ok' in r).length, p.results.length, p.resumptionToken, p.cursor, p.completeListSize]),
      [
        [1000, 1000, '6511260|1001', 0, 2265],
        [1000, 1000, '6511260|2001', 1000, 2265],
        [265, 265, undefined, 2000, 2265],
      ],
    );
  });

  test('the records are exactly the identifiers ListIdentifiers lists', () => {
    const ids = pages.flatMap((p) => split(p.results).ok.map((r) => r.id));
    const listed = [...readFileSync(sharedData('arxiv-oai-pmh', 'ListIdentifiers_data.xml'), 'utf8').matchAll(/<identifier>oai:arXiv\.org:([^<]+)<\/identifier>/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, 2265);
    assert.deepEqual([...ids].sort(), [...listed].sort());
  });

  test('every subject name maps to a category and every record has an abstract', () => {
    const records = pages.flatMap((p) => split(p.results).ok);
    assert.equal(records.filter((r) => r.abstract && r.categories?.every((c) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(c))).length, 2265);
    assert.equal(records.filter((r) => r.doi).length, 366);
    assert.equal(records.reduce((n, r) => n + r.authors.length, 0), 11628);
    assert.equal(records.filter((r) => r.categories?.[0] === 'cs.LG').length > 100, true);
  });

  test('exact values of the first record', () => {
    const first = pages[0]!.results[0]!;
    assert.ok('ok' in first);
    assert.equal(first.ok.id, '0806.4410');
    assert.equal(first.ok.title, 'Summing the curious series of Kempner and Irwin');
    assert.deepEqual(first.ok.authors, ['Robert Baillie']);
    assert.deepEqual(first.ok.categories, ['math.CA', 'math.NT']);
    assert.equal(first.ok.published, '2008-06-27T00:00:00.000Z');
    assert.equal(first.ok.updated, '2023-03-04T00:00:00.000Z');
    assert.equal(first.ok.comments, '29 pages, 2 figures, 10 tables. Several new sections. Expanded Mathematica code, which is now in the ancillary files');
    assert.match(first.ok.abstract!, /^In 1914, Kempner proved that the series 1\/1 \+ 1\/2 \+ \.\.\. \+ 1\/8 \+ 1\/10/);
  });

  test('GetRecord: identifiers, DOI, journal reference, entities', () => {
    const { results, resumptionToken } = parseOaiPmhPage(readFileSync(sharedData('arxiv-oai-pmh', 'GetRecord_data.xml'), 'utf8'), 'GetRecord');
    assert.equal(resumptionToken, undefined);
    const [record] = split(results).ok;
    assert.deepEqual({ ...record, abstract: undefined }, {
      id: '2107.10460',
      title: 'Anomalous High-Field Magnetotransport in CaFeAsF due to the Quantum Hall Effect',
      abstract: undefined,
      authors: ['Taichi Terashima', 'Hishiro T. Hirose', 'Naoki Kikugawa', 'Shinya Uji', 'David Graf', 'Takao Morinari', 'Teng Wang', 'Gang Mu'],
      categories: ['cond-mat.supr-con', 'cond-mat.mtrl-sci', 'cond-mat.str-el'],
      published: '2021-07-22T00:00:00.000Z',
      updated: '2022-06-15T00:00:00.000Z',
      comments: '18 pages, 1 table, 4 figures',
      doi: '10.1038/s41535-022-00470-6',
      journalRef: 'npj Quantum Materials 7, 62 (2022)',
    });
    assert.match(record!.abstract!, /composed of Dirac-electron and Schr\\"odinger-hole cylinders/);
  });

  test('read as files, the folder gives the same records (ListIdentifiers has none)', async () => {
    const { ok, errors } = split(await readAll(sharedData('arxiv-oai-pmh')));
    assert.deepEqual(errors, []);
    assert.equal(ok.length, 2265 + 1);
    assert.deepEqual(ok.slice(1), pages.flatMap((p) => split(p.results).ok));
  });
});

describe('arXiv API Atom responses', { skip: needsData('arxiv-api-atom') }, () => {
  const files = ['query.xml', 'query_doc.xml', 'query_doc_long.xml', 'query_missing_id.xml', 'query_empty.xml'];
  const pages = files.map((f) => parseArxivAtomPage(readFileSync(sharedData('arxiv-api-atom', 'xml', f), 'utf8'), f));

  test('10, 1, 10, 1 and 0 entries, all parsed, with the totals the feeds state', () => {
    assert.deepEqual(
      pages.map((p) => [split(p.results).ok.length, p.results.length, p.totalResults]),
      [
        [10, 10, 7432],
        [1, 1, 1],
        [10, 10, 100],
        [1, 1, 1],
        [0, 0, 0],
      ],
    );
  });

  test('exact values of the id_list=2206.06921 response', () => {
    assert.deepEqual({ ...pages[1]!.results[0], ok: { ...split(pages[1]!.results).ok[0], abstract: undefined } }, {
      ok: {
        id: '2206.06921',
        title: 'Attainable forms of Assouad spectra',
        abstract: undefined,
        authors: ['Alex Rutar'],
        categories: ['math.CA', 'math.DS', 'math.MG'],
        versions: [
          { version: 1, created: '2022-06-14T15:35:46.000Z' },
          { version: 3, created: '2025-01-30T01:23:42.000Z' },
        ],
        latestVersion: 3,
        published: '2022-06-14T15:35:46.000Z',
        updated: '2025-01-30T01:23:42.000Z',
        comments: '25 pages, 5 figures. v3: Many typo fixes and substantially improved exposition, especially in non-monotonic construction. Some numbering changes from v2. Results unchanged',
        journalRef: 'Indiana Univ. Math. J. 73 (2024), 1331-1356',
        doi: '10.1512/iumj.2024.73.9928',
      },
      origin: { source: 'query_doc.xml', position: 'entry 1' },
    });
    assert.match(split(pages[1]!.results).ok[0]!.abstract!, /for every \$0<λ<θ<1\$.*can fail to be Hölder in a neighbourhood of 1\.$/);
  });

  test('old-style ids, DOIs, journal references and comments as the provenance counts them', () => {
    const records = pages.flatMap((p) => split(p.results).ok);
    assert.equal(byId(records, 'nucl-ex/0408020')?.authors.length, 9);
    assert.deepEqual(byId(records, 'nucl-ex/0408020')?.categories, ['nucl-ex', 'hep-ph']);
    assert.deepEqual(
      [records.filter((r) => r.doi).length, records.filter((r) => r.journalRef).length, records.filter((r) => r.comments).length],
      [13, 11, 18],
    );
  });
});

describe('Kaggle arxiv-metadata-oai-snapshot sample', { skip: needsData('arxiv-kaggle-sample') }, () => {
  test('200 lines, 200 records, 87 of them revised', async () => {
    const { ok, errors } = split(await readAll(sharedData('arxiv-kaggle-sample')));
    assert.deepEqual(errors, []);
    assert.equal(ok.length, 200);
    assert.equal(ok.filter((r) => (r.versions?.length ?? 0) > 1).length, 87);
    assert.deepEqual([ok[0]!.id, ok.at(-1)!.id], ['0704.0001', '0704.0200']);
    const first = ok[0]!;
    assert.deepEqual(first.authors, ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan']);
    assert.deepEqual(first.versions, [
      { version: 1, created: '2007-04-02T19:18:42.000Z' },
      { version: 2, created: '2007-07-24T20:10:27.000Z' },
    ]);
    assert.equal(first.reportNo, 'ANL-HEP-PR-07-12');
    // authors_parsed carries affiliations in a fourth slot; they are not names
    assert.deepEqual(byId(ok, '0704.0163')?.authors, ['Peter Brommer', 'Franz Gähler']);
    assert.deepEqual(byId(ok, '0704.0155')?.authors.slice(0, 2), ['Floris van der Tak', 'John Black']);
  });
});

describe('arXiv .abs metadata as JSON lines', { skip: needsData('arxiv-abs', 'arxiv-abs-metadata.jsonl') }, () => {
  test('1,131 records with the versions, DOIs and licences the provenance counts', async () => {
    const { ok, errors } = split(await readAll(sharedData('arxiv-abs', 'arxiv-abs-metadata.jsonl')));
    assert.deepEqual(errors, []);
    assert.equal(ok.length, 1131);
    const versions = (n: number) => ok.filter((r) => Math.min(r.versions?.length ?? 0, 4) === n).length;
    assert.deepEqual([versions(1), versions(2), versions(3), versions(4)], [698, 283, 100, 50]);
    assert.deepEqual([ok.filter((r) => r.doi).length, ok.filter((r) => r.license).length, ok.filter((r) => r.id.includes('/')).length], [647, 105, 74]);
    // a fixture quirk upstream: cs/0006007.abs holds cs/0006008's record
    assert.equal(ok.filter((r) => r.id === 'cs/0006008').length, 2);
    assert.deepEqual(byId(ok, 'hep-th/9901001'), {
      id: 'hep-th/9901001',
      title: 'String Junctions and Their Duals in Heterotic String Theory',
      abstract: 'We explicitly give the correspondence between spectra of heterotic string theory compactified on $T^2$ and string junctions in type IIB theory compactified on $S^2$.',
      authors: ['Yosuke Imamura'],
      categories: ['hep-th'],
      versions: [
        { version: 1, created: '1999-01-01T01:01:10.000Z', size: '15kb' },
        { version: 2, created: '1999-01-05T21:36:42.000Z', size: '15kb' },
        { version: 3, created: '1999-05-10T04:45:54.000Z', size: '15kb' },
      ],
      latestVersion: 3,
      published: '1999-01-01T01:01:10.000Z',
      updated: '1999-05-10T04:45:54.000Z',
      comments: '13 pages + 4 eps figures, PTPTeX, typographical errors corrected',
      journalRef: 'Prog.Theor.Phys.101:1155-1164,1999',
      doi: '10.1143/PTP.101.1155',
      reportNo: 'YITP-99-1',
    });
  });
});

// The last of the 8 parts holds the daily listings: abstracts, "replaced" entries without a date
// line. (All 8 parts, 144,381 records, read without an error too; too slow to run on every test.)
describe('arXiv listings (gzipped JSON lines)', { skip: needsData('arxiv-listings', 'parsed', 'listings-part-007.jsonl.gz') }, () => {
  test('4,381 records; the 119 without a date line have no dates; sizes lose their source flag', async () => {
    const { ok, errors } = split(await readAll(sharedData('arxiv-listings', 'parsed', 'listings-part-007.jsonl.gz')));
    assert.deepEqual(errors, []);
    assert.equal(ok.length, 4381);
    assert.equal(new Set(ok.map((r) => r.id)).size, 3743);
    assert.equal(ok.filter((r) => !r.versions && !r.published && !r.latestVersion).length, 119);
    assert.equal(ok.filter((r) => r.abstract).length, 169);
    assert.ok(ok.every((r) => r.versions?.every((v) => /^\d+kb$/.test(v.size!)) ?? true));
  });
});

describe('Hugging Face daily papers', { skip: needsData('hf-daily-papers') }, () => {
  test('all 580 raw responses: 9,881 records, no errors, one list date per file', async () => {
    const { ok, errors } = split(await readAll(sharedData('hf-daily-papers', 'raw')));
    assert.deepEqual(errors, []);
    assert.equal(ok.length, 9881);
    assert.equal(new Set(ok.map((r) => r.hf?.dailyDate)).size, 580);
    assert.equal(new Set(ok.map((r) => r.id)).size, 9877);
    assert.equal(ok.filter((r) => r.hf?.githubRepo).length, 3692);
    assert.equal(ok.filter((r) => r.hf?.aiKeywords).length, 6329 - 15); // 15 lists hold only ""
    assert.equal(Math.max(...ok.map((r) => r.hf!.upvotes)), 250);
  });

  test('the Python-repr files decode to the same values as their JSON-lines copy', async () => {
    const raw = split(await readAll(sharedData('hf-daily-papers', 'raw', '2024-12-11.json'))).ok;
    const stiv = byId(raw, '2412.07730');
    assert.equal(stiv?.title, 'STIV: Scalable Text and Image Conditioned Video Generation');
    assert.equal(stiv?.listedAt, '2024-12-11T01:02:25.688Z');
    assert.deepEqual(stiv?.hf, {
      upvotes: 54, numComments: 2, submitter: 'yyf86', dailyDate: '2024-12-11',
      thumbnail: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2412.07730.png',
    });
    const envelope = split(await readAll(sharedData('hf-daily-papers', 'raw', '2025-01-10.json'))).ok;
    assert.equal(envelope.length, 9);
    assert.ok(envelope.every((r) => r.hf?.dailyDate === '2025-01-10'));
  });

  test('the normalised JSON lines give exactly the records of the raw files', async () => {
    const raw = split(await readAll(sharedData('hf-daily-papers', 'raw'))).ok;
    const { ok, errors } = split(await readAll(sharedData('hf-daily-papers', 'normalized')));
    assert.deepEqual(errors, []);
    const key = (r: PaperRecord) => `${r.hf?.dailyDate} ${r.id}`;
    const sorted = (records: PaperRecord[]) => [...records].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    assert.deepEqual(sorted(ok), sorted(raw));
  });
});
