// parseArxivId: every form an id reaches us in (sources, users, URLs) reduces to one canonical id.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeArxivId, parseArxivId } from '../../src/paper/ids.ts';

describe('parseArxivId', () => {
  const cases: [input: string, id: string, version?: number][] = [
    ['2207.06389', '2207.06389'],
    ['2207.06389v2', '2207.06389', 2],
    ['arXiv:2207.06389', '2207.06389'],
    ['arxiv: 2207.06389v12', '2207.06389', 12],
    ['hep-th/9901001v1', 'hep-th/9901001', 1],
    ['arXiv:hep-th/9901001', 'hep-th/9901001'],
    ['HEP-TH/9901001', 'hep-th/9901001'],
    // the subject class of an old-style id is not part of its identity
    ['math.GT/0309136', 'math/0309136'],
    ['https://arxiv.org/abs/2207.06389v3', '2207.06389', 3],
    ['http://arxiv.org/abs/nlin/0202021', 'nlin/0202021'],
    ['https://arxiv.org/pdf/2207.06389v1.pdf', '2207.06389', 1],
    ['https://export.arxiv.org/abs/2207.06389?context=cs', '2207.06389'],
    ['oai:arXiv.org:2107.10460', '2107.10460'],
    ['0704.0001', '0704.0001'], // four digits after the dot before 2015
    ['2101.00001', '2101.00001'], // five after
    ['  2207.06389  ', '2207.06389'],
  ];
  for (const [input, id, version] of cases) {
    test(`${JSON.stringify(input)} -> ${id}${version ? ` v${version}` : ''}`, () => {
      assert.deepEqual(parseArxivId(input), version === undefined ? { id } : { id, version });
    });
  }

  const garbage = ['', '   ', 'hello', '2213.00001', '2200.00001', '1234.567', '2207.063891', 'math/0013001', '2207.06389v', 'doi:10.1103/PhysRevD.76.013009', 'https://example.org/abs/2207.06389'];
  for (const input of garbage) {
    test(`${JSON.stringify(input)} is not an arXiv id`, () => {
      assert.equal(parseArxivId(input), undefined);
      assert.equal(normalizeArxivId(input), undefined);
    });
  }

  test('normalizeArxivId drops the version', () => {
    assert.equal(normalizeArxivId('https://arxiv.org/abs/hep-th/9901001v2'), 'hep-th/9901001');
  });
});

test('ids arXiv never issued are rejected: v0, five digits before 2015, four digits after', () => {
  assert.equal(parseArxivId('2207.06389v0'), undefined);
  assert.equal(parseArxivId('0704.00001'), undefined);
  assert.equal(parseArxivId('1501.0001'), undefined);
  assert.deepEqual(parseArxivId('1501.00001'), { id: '1501.00001' });
});
