// A tagged template for HTML that escapes every interpolation unless it is already Html.
// Pages are built only from these values, so untrusted text (titles, abstracts, queries)
// cannot reach the markup unescaped by accident.

/** A fragment of markup that is already safe to emit. Create it with html`` or raw(). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may appear inside ${} in html``: text is escaped, arrays are joined, null/undefined/false vanish. */
export type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

/** Marks trusted markup (KaTeX output, our own constants) as safe. Never pass user text here. */
export function raw(markup: string): Html {
  return new Html(markup);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Joins fragments with a separator (escaped unless it is Html). */
export function join(items: readonly Interpolation[], separator: Interpolation): Html {
  return new Html(items.map(render).join(render(separator)));
}
