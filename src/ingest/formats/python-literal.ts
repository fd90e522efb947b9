// A small, strict reader of Python literals, as repr() writes them: dicts, lists, tuples,
// strings in either quote with their escapes, ints, floats, True, False and None. Some saved
// Hugging Face responses hold entries as repr() strings instead of JSON; this reads them back
// without evaluating anything. Anything outside that grammar is an error, with its offset.

export type PythonValue = null | boolean | number | string | PythonValue[] | { [key: string]: PythonValue };

export class PythonLiteralError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'PythonLiteralError';
  }
}

/** Parses one Python literal; the whole input must be that literal (surrounding whitespace aside). */
export function parsePythonLiteral(source: string): PythonValue {
  const reader = new Reader(source);
  const value = reader.value();
  reader.skipSpace();
  if (!reader.atEnd()) throw reader.error('unexpected text after the literal');
  return value;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', a: '\x07', '\n': '',
};
const HEX_ESCAPE_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };
const NUMBER = /[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?/y;
const CONSTANTS: Record<string, PythonValue> = { True: true, False: false, None: null };

class Reader {
  #pos = 0;

  constructor(readonly source: string) {}

  value(): PythonValue {
    this.skipSpace();
    const ch = this.source[this.#pos];
    if (ch === '{') return this.#dict();
    if (ch === '[') return this.#sequence('[', ']');
    if (ch === '(') return this.#tuple();
    if (ch === "'" || ch === '"') return this.#string(ch);
    if (ch !== undefined && /[-+.\d]/.test(ch)) return this.#number();
    const word = /[A-Za-z_]\w*/y;
    word.lastIndex = this.#pos;
    const name = word.exec(this.source)?.[0];
    if (name !== undefined && Object.hasOwn(CONSTANTS, name)) {
      this.#pos += name.length;
      return CONSTANTS[name]!;
    }
    throw this.error(ch === undefined ? 'unexpected end of input' : `unexpected ${JSON.stringify(name ?? ch)}`);
  }

  skipSpace(): void {
    while (this.#pos < this.source.length && /\s/.test(this.source[this.#pos]!)) this.#pos++;
  }

  atEnd(): boolean {
    return this.#pos >= this.source.length;
  }

  error(message: string): PythonLiteralError {
    return new PythonLiteralError(message, this.#pos);
  }

  #dict(): { [key: string]: PythonValue } {
    const entries: [string, PythonValue][] = [];
    this.#items('{', '}', () => {
      const key = this.value();
      if (key !== null && typeof key === 'object') throw this.error('unhashable dict key');
      this.#expect(':');
      entries.push([String(key), this.value()]);
    });
    // fromEntries defines own properties, so a "__proto__" key is data, not a prototype.
    return Object.fromEntries(entries);
  }

  #sequence(open: string, close: string): PythonValue[] {
    const items: PythonValue[] = [];
    this.#items(open, close, () => items.push(this.value()));
    return items;
  }

  /** (a, b) and (a,) are tuples, read as arrays; (a) is just a parenthesised a. */
  #tuple(): PythonValue {
    const start = this.#pos;
    const items = this.#sequence('(', ')');
    const text = this.source.slice(start, this.#pos);
    return items.length === 1 && !/,\s*\)$/.test(text) ? items[0]! : items;
  }

  /** Comma-separated items up to the closing bracket; a trailing comma is allowed, as in Python. */
  #items(open: string, close: string, item: () => void): void {
    this.#expect(open);
    for (;;) {
      this.skipSpace();
      if (this.#take(close)) return;
      item();
      this.skipSpace();
      if (this.#take(close)) return;
      if (!this.#take(',')) throw this.error(`expected "," or "${close}"`);
    }
  }

  #string(quote: string): string {
    this.#pos++;
    let out = '';
    for (;;) {
      const ch = this.source[this.#pos++];
      if (ch === undefined || ch === '\n') throw this.error('unterminated string');
      if (ch === quote) return out;
      out += ch === '\\' ? this.#escape() : ch;
    }
  }

  #escape(): string {
    const ch = this.source[this.#pos++];
    if (ch === undefined) throw this.error('unterminated string');
    if (Object.hasOwn(SIMPLE_ESCAPES, ch)) return SIMPLE_ESCAPES[ch]!;
    const digits = Object.hasOwn(HEX_ESCAPE_DIGITS, ch) ? HEX_ESCAPE_DIGITS[ch] : undefined;
    if (digits !== undefined) return this.#codePoint(this.source.slice(this.#pos, (this.#pos += digits)), digits, 16);
    const octal = /[0-7]{1,3}/y;
    octal.lastIndex = this.#pos - 1;
    const oct = octal.exec(this.source)?.[0];
    if (oct !== undefined) {
      this.#pos += oct.length - 1;
      return this.#codePoint(oct, oct.length, 8);
    }
    return `\\${ch}`; // Python keeps unknown escapes as written
  }

  #codePoint(digits: string, expected: number, radix: number): string {
    const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
    const code = parseInt(digits, radix);
    if (digits.length !== expected || !valid.test(digits) || code > 0x10ffff) throw this.error(`bad escape \\${digits}`);
    return String.fromCodePoint(code);
  }

  #number(): number {
    NUMBER.lastIndex = this.#pos;
    const match = NUMBER.exec(this.source)?.[0];
    if (!match) throw this.error('bad number');
    this.#pos += match.length;
    return Number(match.replace(/_/g, ''));
  }

  #expect(token: string): void {
    this.skipSpace();
    if (!this.#take(token)) throw this.error(`expected ${JSON.stringify(token)}`);
  }

  #take(token: string): boolean {
    if (!this.source.startsWith(token, this.#pos)) return false;
    this.#pos += token.length;
    return true;
  }
}
