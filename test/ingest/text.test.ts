// Text clean-up that every parser relies on: abstracts, author names, TeX accents, dates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleanAbstract, collapseWhitespace, detex, displayName, firstSentence, hasControls, splitAuthors, stripControls, toIsoUtc, withoutControls } from '../../src/paper/text.ts';

describe('stripControls', () => {
  test('takes out NUL, BEL, ESC, DEL and the other C0 and C1 controls', () => {
    assert.equal(stripControls('Zep\u0000pel\u0007in \u001b[31mred\u001b[0m \u007fend\u0080\u009f'), 'Zeppelin [31mred[0m end');
    for (let c = 0; c <= 0x9f; c++) {
      const ch = String.fromCharCode(c);
      const kept = (c >= 0x09 && c <= 0x0d) || (c >= 0x20 && c < 0x7f);
      assert.equal(stripControls(`a${ch}b`), kept ? `a${ch}b` : c === 0x85 ? 'a\nb' : 'ab', `U+${c.toString(16).padStart(4, '0')}`);
    }
  });

  test('takes out every bidirectional embedding, override, isolate and mark', () => {
    const bidi = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
    for (const ch of bidi) assert.equal(stripControls(`gpj.\u202e${ch}exe`), 'gpj.exe', `U+${ch.codePointAt(0)!.toString(16)}`);
    assert.equal(stripControls('Safe \u202egnitirw\u202c text'), 'Safe gnitirw text');
  });

  test('keeps right-to-left letters, the joiners of Persian and Indic spelling, emoji and math', () => {
    for (const text of ['نماذج اللغة الكبيرة', 'מודלים של שפה', 'می\u200cخواهم', 'क्\u200dष', 'ක්\u200dය', '👩\u200d🔬 and 🏳️\u200d🌈', '∑ᵢ xᵢ² ≤ ε', 'Gödel, Erdős']) {
      assert.equal(stripControls(text), text);
      assert.equal(hasControls(text), false);
    }
  });

  test('tabs and newlines stay for the normalisers, which make them the field\'s own whitespace', () => {
    assert.equal(stripControls('First\tline\r\n\n  Second\u000b\u000c'), 'First\tline\r\n\n  Second\u000b\u000c');
    assert.equal(cleanAbstract(stripControls('  First para\u0000graph\nwraps.\n\n\u202e\n\nSecond.')), 'First paragraph wraps.\n\nSecond.');
    assert.equal(collapseWhitespace(stripControls('A \u0007 title\u0085with a NEL')), 'A title with a NEL');
  });
});

describe('withoutControls', () => {
  test('cleans every string of a record, in lists and nested objects, and leaves other values alone', () => {
    const record = { title: 'T\u202eitle', authors: ['A\u0000 B', 'C D'], n: 3, ok: true, none: null, hf: { aiKeywords: ['k\u0007'], upvotes: 2 } };
    assert.deepEqual(withoutControls(record), { title: 'Title', authors: ['A B', 'C D'], n: 3, ok: true, none: null, hf: { aiKeywords: ['k'], upvotes: 2 } });
    assert.equal(record.title, 'T\u202eitle', 'the input is not changed');
  });

  test('what is already clean comes back as the same object, not a copy', () => {
    const clean = { title: 'Title', authors: ['A B'], versions: [{ version: 1, created: '2024-01-01T00:00:00.000Z' }] };
    assert.equal(withoutControls(clean), clean);
    const dirty = { ...clean, title: 'T\u0000' };
    const cleaned = withoutControls(dirty);
    assert.equal(cleaned.authors, clean.authors, 'an untouched part is shared');
  });

  test('keeps a "__proto__" key as data', () => {
    const value = JSON.parse('{"__proto__": {"x": "a\\u0000b"}}') as Record<string, unknown>;
    const cleaned = withoutControls(value);
    assert.deepEqual(Object.getOwnPropertyDescriptor(cleaned, '__proto__')?.value, { x: 'ab' });
    assert.equal(Object.getPrototypeOf(cleaned), Object.prototype);
  });
});

describe('cleanAbstract', () => {
  test('unwraps arXiv hard line wraps and drops the leading indent', () => {
    const raw = '  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production of massive photon pairs at hadron colliders.\n';
    assert.equal(cleanAbstract(raw), 'A fully differential calculation in perturbative quantum chromodynamics is presented for the production of massive photon pairs at hadron colliders.');
  });

  test('keeps paragraphs: an indented new line or a blank line starts one', () => {
    const raw = '  First paragraph\nwraps here.\n  Second paragraph\nwraps too.\n\nThird\r\nparagraph.\n';
    assert.equal(cleanAbstract(raw), 'First paragraph wraps here.\n\nSecond paragraph wraps too.\n\nThird paragraph.');
  });

  test('leaves TeX alone and returns nothing for blank input', () => {
    assert.equal(cleanAbstract('the $(k,\\ell)$-pebble\n game'), 'the $(k,\\ell)$-pebble game');
    assert.equal(cleanAbstract(' \n\t\n '), '');
  });
});

describe('collapseWhitespace', () => {
  test('collapses runs, newlines and tabs, and trims', () => {
    assert.equal(collapseWhitespace('  Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies \t'), 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies');
  });
});

describe('displayName', () => {
  test('turns "Last, First" around', () => {
    assert.equal(displayName('Baillie, Robert'), 'Robert Baillie');
    assert.equal(displayName('Hirose, Hishiro T.'), 'Hishiro T. Hirose');
  });
  test('keeps a suffix with the surname, as OAI writes it ("Evans II, Neal J.")', () => {
    assert.equal(displayName('  Evans II,   Neal J. '), 'Neal J. Evans II');
  });
  test('leaves names without exactly one comma as they are', () => {
    assert.equal(displayName('Robert  Baillie'), 'Robert Baillie');
    assert.equal(displayName('The ATLAS Collaboration, Aad, G.'), 'The ATLAS Collaboration, Aad, G.');
  });
});

describe('splitAuthors', () => {
  test('splits on commas and "and", decoding TeX accents', () => {
    assert.deepEqual(splitAuthors("C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan"), ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan']);
    assert.deepEqual(splitAuthors('Ileana Streinu and Louis Theran'), ['Ileana Streinu', 'Louis Theran']);
  });

  test('drops parenthesised affiliations, nested and wrapped over lines', () => {
    const raw = 'Peter Brommer and Franz G\\"ahler (Institut f\\"ur Theoretische und\n  Angewandte Physik, Universit\\"at Stuttgart)';
    assert.deepEqual(splitAuthors(raw), ['Peter Brommer', 'Franz Gähler']);
    const numbered = 'A. S. Mishchenko (1 and 2) and N. Nagaosa (1 and 3) ((1) CREST, Japan Science and Technology Agency, (2) Kurchatov Institute, (3) The University of Tokyo)';
    assert.deepEqual(splitAuthors(numbered), ['A. S. Mishchenko', 'N. Nagaosa']);
  });

  test('handles an Oxford comma, semicolons and "et al."', () => {
    assert.deepEqual(splitAuthors('A. One; B. Two, and C. Three, et al.'), ['A. One', 'B. Two', 'C. Three']);
  });

  test('keeps a suffix that follows a name', () => {
    assert.deepEqual(splitAuthors('Tracy L. Huard, Neal J. Evans II, Philip C. Myers'), ['Tracy L. Huard', 'Neal J. Evans II', 'Philip C. Myers']);
  });
});

describe('detex', () => {
  const cases: [string, string][] = [
    ["Bal\\'azs", 'Balázs'],
    ['M\\"uller', 'Müller'],
    ["\\'{e}", 'é'],
    ["\\'\\i", 'í'],
    ['Fran\\c{c}ois', 'François'],
    ['Erd\\H{o}s', 'Erdős'],
    ['\\v{S}koda', 'Škoda'],
    ['{\\o}stergaard', 'østergaard'],
    ['{\\L}ukasiewicz', 'Łukasiewicz'],
    ['Stra{\\ss}e', 'Straße'],
    ['Stra\\ss e', 'Straße'], // the space after a control word ends it and is not text
    ['{\\aa}ngstr{\\"o}m', 'ångström'],
    ['Plain Name', 'Plain Name'],
  ];
  for (const [tex, unicode] of cases) {
    test(`${tex} -> ${unicode}`, () => assert.equal(detex(tex), unicode));
  }
});

describe('toIsoUtc', () => {
  test('reads RFC 2822, ISO and bare dates as UTC', () => {
    assert.equal(toIsoUtc('Mon, 2 Apr 2007 19:18:42 GMT'), '2007-04-02T19:18:42.000Z');
    assert.equal(toIsoUtc('2024-05-27T03:50:58.348Z'), '2024-05-27T03:50:58.348Z');
    assert.equal(toIsoUtc('2024-05-02T00:00:00-04:00'), '2024-05-02T04:00:00.000Z');
    assert.equal(toIsoUtc('2008-06-27'), '2008-06-27T00:00:00.000Z');
  });
  test('gives undefined for nothing or nonsense', () => {
    assert.equal(toIsoUtc(undefined), undefined);
    assert.equal(toIsoUtc(null), undefined);
    assert.equal(toIsoUtc(''), undefined);
    assert.equal(toIsoUtc('yesterday-ish'), undefined);
  });
});

describe('firstSentence', () => {
  test('ends at the first full stop, question or exclamation mark that starts a new sentence', () => {
    assert.equal(firstSentence('We introduce a diffusion model over protein backbones.\n\nA second paragraph.'), 'We introduce a diffusion model over protein backbones.');
    assert.equal(firstSentence('Can transformers count? We show they can.'), 'Can transformers count?');
    assert.equal(firstSentence('The answer is no. We explain why.'), 'The answer is no.');
    assert.equal(firstSentence('It works "well." Then it fails.'), 'It works "well."');
    assert.equal(firstSentence('One sentence (with an aside.) Another one.'), 'One sentence (with an aside.)');
  });

  test('does not cut after abbreviations, initials or inside numbers', () => {
    assert.equal(firstSentence('We compare with prior work, e.g. BERT, i.e. Encoders. Next.'), 'We compare with prior work, e.g. BERT, i.e. Encoders.');
    assert.equal(firstSentence('As shown by Smith et al. Their method fails on long inputs. Then.'), 'As shown by Smith et al. Their method fails on long inputs.');
    assert.equal(firstSentence('Fig. 2 shows a 3.5x speed-up vs. RNNs on Eq. (3) and Sec. 4. We also study more.'), 'Fig. 2 shows a 3.5x speed-up vs. RNNs on Eq. (3) and Sec. 4.');
    assert.equal(firstSentence('Work by A. Turing in the U.S. Army is cited. More follows.'), 'Work by A. Turing in the U.S. Army is cited.');
    assert.equal(firstSentence('Version 2.0 is out. It is faster.'), 'Version 2.0 is out.');
  });

  test('never cuts inside math, and a full stop inside display math can end the sentence', () => {
    assert.equal(firstSentence('Our bound $x. Y$ is tight. Then more.'), 'Our bound $x. Y$ is tight.');
    assert.equal(firstSentence('The constant satisfies $$c \\le \\frac{3}{2} + \\epsilon.$$ Experiments confirm it.'), 'The constant satisfies $$c \\le \\frac{3}{2} + \\epsilon.$$');
    assert.equal(firstSentence('We sort $n$ items in $O(n \\log n)$ comparisons with high probability. Our bound holds.'), 'We sort $n$ items in $O(n \\log n)$ comparisons with high probability.');
  });

  test('text without a sentence end is returned whole when it fits', () => {
    assert.equal(firstSentence('  A title-like  abstract\nwith no full stop '), 'A title-like abstract with no full stop');
    assert.equal(firstSentence(''), '');
  });

  test('a sentence longer than maxChars is cut at a word boundary outside math, with an ellipsis', () => {
    const long = `We study ${'very '.repeat(70)}long sentences.`;
    const cut = firstSentence(long);
    assert.ok(cut.length <= 280 && cut.endsWith('very…'), cut);
    assert.equal(firstSentence('One two three four five six.', 15), 'One two three…');
    assert.equal(firstSentence('Bound of $a + b + c + d$ holds here.', 20), 'Bound of…');
    assert.equal(firstSentence('Supercalifragilistic', 10), 'Supercali…');
  });
});
