// TeX in titles and summaries as readable Unicode, for places that cannot run KaTeX: a mail can load
// neither its stylesheet nor its fonts, and a plain-text part has no markup at all. It covers what
// arXiv titles and abstracts use; anything else comes out as its name, never as markup.
import { texSegments } from './tex-segments.ts';

/** Text with its $...$, $$...$$, \(...\) and \[...\] formulas written out in Unicode; the rest is kept. */
export function plainMath(text: string): string {
  return texSegments(text)
    .map((s) => (s.kind === 'text' ? s.text : texToPlain(s.tex)))
    .join('');
}

/** One formula's TeX (no delimiters) as Unicode text. */
export function texToPlain(tex: string): string {
  const p: Parser = { src: tex.replace(/[\u0000-\u001f\u007f]/g, ' '), pos: 0, depth: 0 };
  return finish(sequence(p, false)).trim();
}

interface Parser {
  src: string;
  pos: number;
  depth: number;
}

// Display math has no length limit, and each brace or argument is a call deeper: past this depth
// the rest is read flat, so that a hostile "{{{{…" cannot exhaust the stack.
const MAX_DEPTH = 64;

function nested(p: Parser, read: () => string): string {
  if (p.depth >= MAX_DEPTH) return '';
  p.depth++;
  try {
    return read();
  } finally {
    p.depth--;
  }
}

// Spacing is decided once a formula is converted, from what ends up on either side: these two
// markers stand where the source had a function name (log, max: set off from letters around it)
// or whitespace after a control word (which TeX ignores: \alpha \beta is αβ, but \alpha \in is α ∈).
const WORD = '\u0001';
const SOFT = '\u0002';

function sequence(p: Parser, inGroup: boolean): string {
  let out = '';
  while (p.pos < p.src.length) {
    const ch = p.src[p.pos]!;
    if (ch === '}') {
      p.pos++;
      if (inGroup) return out;
    } else if (ch === '^' || ch === '_') {
      p.pos++;
      out += script(p, ch);
    } else out += atom(p);
  }
  return out;
}

function atom(p: Parser): string {
  const code = p.src.codePointAt(p.pos);
  if (code === undefined) return '';
  const ch = String.fromCodePoint(code);
  if (ch === '\\') return command(p);
  p.pos += ch.length;
  if (ch === '{') return nested(p, () => sequence(p, true));
  if (/\s/.test(ch)) {
    skipSpace(p);
    return ' ';
  }
  return CHARS[ch] ?? ch;
}

const CHARS: Record<string, string> = { '~': ' ', '&': ' ', "'": '′' };

/** A command's or a script's argument, converted: a {group}, one command, or one character. */
function argument(p: Parser): string {
  skipSpace(p);
  if (p.pos >= p.src.length || p.src[p.pos] === '}') return '';
  const braced = p.src[p.pos] === '{';
  if (braced) p.pos++;
  return nested(p, () => finish(braced ? sequence(p, true) : atom(p)));
}

function optionalArgument(p: Parser): string {
  skipSpace(p);
  if (p.src[p.pos] !== '[') return '';
  const end = p.src.indexOf(']', p.pos);
  if (end < 0) return '';
  const inner = p.src.slice(p.pos + 1, end);
  p.pos = end + 1;
  return texToPlain(inner);
}

function skipSpace(p: Parser): void {
  while (p.pos < p.src.length && /\s/.test(p.src[p.pos]!)) p.pos++;
}

/** A space after a control word ends the word in TeX; the marker lets `finish` decide if it shows. */
function softSpace(p: Parser): string {
  return /\s/.test(p.src[p.pos] ?? '') ? SOFT : '';
}

function command(p: Parser): string {
  p.pos++; // the backslash
  const word = /^[A-Za-z]+\*?/.exec(p.src.slice(p.pos))?.[0];
  if (!word) {
    const ch = p.src[p.pos] ?? '';
    p.pos += ch.length;
    return CONTROL_SYMBOLS[ch] ?? ch;
  }
  p.pos += word.length;
  const name = word.replace(/\*$/, '');
  const symbol = SYMBOLS[name];
  if (symbol !== undefined) return symbol + softSpace(p);
  if (FUNCTIONS.has(name)) return `${WORD}${name}${WORD}${softSpace(p)}`;
  const special = SPECIAL[name];
  if (special) return special(p);
  if (CONTENT.has(name)) return argument(p);
  if (name in ACCENTS) return accent(argument(p), ACCENTS[name]!);
  if (IGNORED.has(name)) return '';
  return `${WORD}${name}${WORD}${softSpace(p)}`;
}

const SPECIAL: Record<string, (p: Parser) => string> = {
  frac: fraction,
  dfrac: fraction,
  tfrac: fraction,
  sqrt(p) {
    const index = optionalArgument(p);
    return `${superscript(index) || index}√${grouped(argument(p))}`;
  },
  binom: (p) => `(${argument(p)} choose ${argument(p)})`,
  mathbb: (p) => [...argument(p)].map(doubleStruck).join(''),
  operatorname: (p) => `${WORD}${argument(p)}${WORD}`,
  href(p) {
    argument(p); // the target: a mail shows what a link says, never where a formula points
    return argument(p);
  },
  not(p) {
    skipSpace(p);
    const [first = '', ...rest] = [...atom(p)];
    return (first + '\u0338').normalize('NFC') + rest.join('');
  },
  left: delimiterSize,
  right: delimiterSize,
  middle: delimiterSize,
  begin: dropArgument,
  end: dropArgument,
  label: dropArgument,
  hspace: dropArgument,
  vspace: dropArgument,
  phantom: dropArgument,
};

function fraction(p: Parser): string {
  const numerator = argument(p);
  return `${grouped(numerator)}/${grouped(argument(p))}`;
}

/** A part of a fraction or root as it reads on one line: in parentheses unless it is one token. */
function grouped(part: string): string {
  const t = part.trim();
  return /^[\p{L}\p{N}.′∂∇]*$/u.test(t) ? t : `(${t})`;
}

/** \left( is just "(": sizes mean nothing in plain text, and \left. is no delimiter at all. */
function delimiterSize(p: Parser): string {
  skipSpace(p);
  if (p.src[p.pos] === '.') p.pos++;
  return '';
}

function dropArgument(p: Parser): string {
  argument(p);
  return '';
}

function accent(base: string, mark: string): string {
  return [...base].length === 1 ? (base + mark).normalize('NFC') : base;
}

function script(p: Parser, kind: '^' | '_'): string {
  const arg = argument(p).trim();
  if (!arg) return kind;
  const mapped = (kind === '^' ? superscript : subscript)(arg);
  if (mapped) return mapped;
  return [...arg].length === 1 ? kind + arg : `${kind}(${arg})`;
}

/** The text in Unicode superscripts, or '' when a character has none. */
function superscript(s: string): string {
  return scripted(s, SUPERSCRIPTS);
}

function subscript(s: string): string {
  return scripted(s, SUBSCRIPTS);
}

function scripted(s: string, map: Map<string, string>): string {
  const chars = [...s.replace(/\s+/g, '')];
  return chars.every((c) => map.has(c)) ? chars.map((c) => map.get(c)).join('') : '';
}

function pairs(from: string, to: string): Map<string, string> {
  const a = [...from];
  const b = [...to];
  return new Map(a.map((c, i) => [c, b[i]!]));
}

const SUPERSCRIPTS = pairs(
  '0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ⊤*′†',
  '⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡᵀ*′†',
);
const SUBSCRIPTS = pairs('0123456789+-=()aehijklmnoprstuvxβγρφχ', '₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ');

const DOUBLE_STRUCK: Record<string, string> = { C: 'ℂ', H: 'ℍ', N: 'ℕ', P: 'ℙ', Q: 'ℚ', R: 'ℝ', Z: 'ℤ' };

/** 𝔸…ℤ, 𝕒…𝕫, 𝟘…𝟡; the letters Unicode had before its math block keep their old code points. */
function doubleStruck(c: string): string {
  if (DOUBLE_STRUCK[c]) return DOUBLE_STRUCK[c];
  const offset = (base: string, start: number) => String.fromCodePoint(start + c.charCodeAt(0) - base.charCodeAt(0));
  if (/[A-Z]/.test(c)) return offset('A', 0x1d538);
  if (/[a-z]/.test(c)) return offset('a', 0x1d552);
  return /[0-9]/.test(c) ? offset('0', 0x1d7d8) : c;
}

/**
 * Resolves the spacing markers (see WORD), then tidies: one space at most, none just inside
 * brackets or before a comma.
 */
function finish(s: string): string {
  return s
    .replace(/ *[\u0001\u0002][\u0001\u0002 ]*/g, (run: string, at: number, all: string) => {
      const before = all[at - 1] ?? '';
      const after = all[at + run.length] ?? '';
      if (!before || !after) return '';
      if (run.includes(WORD)) return !SCRIPT_CHARS.has(after) && (run.includes(' ') || (/[\p{L}\p{N})\]′]/u.test(before) && /[\p{L}\p{N}]/u.test(after))) ? ' ' : '';
      return ORDINARY.test(before) && ORDINARY.test(after) ? '' : ' ';
    })
    .replace(/ {2,}/g, ' ')
    .replace(/([([{⌈⌊⟨]) /g, '$1')
    .replace(/ ([)\]}⌉⌋⟩,;])/g, '$1');
}

const SCRIPT_CHARS = new Set([...SUPERSCRIPTS.values(), ...SUBSCRIPTS.values()]);
const ORDINARY = /[\p{L}\p{N}∂∇]/u;

const ACCENTS: Record<string, string> = {
  hat: '\u0302',
  widehat: '\u0302',
  bar: '\u0304',
  overline: '\u0304',
  tilde: '\u0303',
  widetilde: '\u0303',
  vec: '\u20d7',
  dot: '\u0307',
  ddot: '\u0308',
  check: '\u030c',
  breve: '\u0306',
  acute: '\u0301',
  grave: '\u0300',
};

/** Commands whose argument is all that matters in plain text (fonts, boxes, text in math). */
const CONTENT = new Set(
  'text textrm textbf textit textsf texttt textnormal emph mathrm mathbf mathit mathsf mathtt mathcal mathscr mathfrak mathnormal mathop boldsymbol bm pmb mbox hbox underline underbrace overbrace boxed url'.split(' '),
);

const IGNORED = new Set(
  'big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits nonumber notag mathopen mathclose mathrel mathbin mathord mathpunct negthinspace'.split(' '),
);

const FUNCTIONS = new Set(
  'log ln lg exp sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan max min sup inf lim limsup liminf arg argmax argmin det dim ker deg gcd lcm hom Pr tr mod bmod'.split(' '),
);

const CONTROL_SYMBOLS: Record<string, string> = { ',': ' ', ';': ' ', ':': ' ', '>': ' ', ' ': ' ', '!': '', '\\': ' ', '|': '‖' };

const GREEK: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', zeta: 'ζ', eta: 'η', theta: 'θ', vartheta: 'ϑ',
  iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', varpi: 'ϖ', rho: 'ρ', varrho: 'ϱ', sigma: 'σ',
  varsigma: 'ς', tau: 'τ', upsilon: 'υ', phi: 'φ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Upsilon: 'Υ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
};

const SYMBOLS: Record<string, string> = {
  ...GREEK,
  le: '≤', leq: '≤', leqslant: '≤', ge: '≥', geq: '≥', geqslant: '≥', ne: '≠', neq: '≠', approx: '≈', sim: '∼', simeq: '≃',
  cong: '≅', equiv: '≡', propto: '∝', ll: '≪', gg: '≫', prec: '≺', succ: '≻', preceq: '⪯', succeq: '⪰', perp: '⊥', parallel: '∥',
  mid: '∣', times: '×', cdot: '·', pm: '±', mp: '∓', div: '÷', ast: '∗', star: '⋆', circ: '∘', bullet: '•', oplus: '⊕',
  otimes: '⊗', odot: '⊙', setminus: '∖', cap: '∩', cup: '∪', wedge: '∧', land: '∧', vee: '∨', lor: '∨', neg: '¬', lnot: '¬',
  in: '∈', notin: '∉', ni: '∋', subset: '⊂', subseteq: '⊆', supset: '⊃', supseteq: '⊇', emptyset: '∅', varnothing: '∅',
  forall: '∀', exists: '∃', infty: '∞', partial: '∂', nabla: '∇', ell: 'ℓ', hbar: 'ℏ', Re: 'ℜ', Im: 'ℑ', aleph: 'ℵ',
  prime: '′', dagger: '†', ddagger: '‡', top: '⊤', bot: '⊥', angle: '∠', triangle: '△', square: '□', checkmark: '✓', degree: '°',
  to: '→', rightarrow: '→', leftarrow: '←', gets: '←', leftrightarrow: '↔', Rightarrow: '⇒', Leftarrow: '⇐',
  Leftrightarrow: '⇔', iff: '⇔', implies: '⟹', mapsto: '↦', uparrow: '↑', downarrow: '↓', longrightarrow: '⟶', longleftarrow: '⟵',
  sum: 'Σ', prod: 'Π', coprod: '∐', int: '∫', iint: '∬', oint: '∮', bigcup: '⋃', bigcap: '⋂', bigoplus: '⨁', bigotimes: '⨂',
  dots: '…', ldots: '…', cdots: '⋯', vdots: '⋮', ddots: '⋱',
  lceil: '⌈', rceil: '⌉', lfloor: '⌊', rfloor: '⌋', langle: '⟨', rangle: '⟩', vert: '|', lvert: '|', rvert: '|', Vert: '‖',
  lVert: '‖', rVert: '‖', lbrace: '{', rbrace: '}', backslash: '\\',
  quad: ' ', qquad: ' ', enspace: ' ', thinspace: ' ', medspace: ' ', thickspace: ' ',
};
