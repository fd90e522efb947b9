// arXiv identifiers: every form a user or a source may hand us, reduced to one canonical id.
// Canonical = no version, no prefix, old-style ids without their subject class
// (math.GT/0309136 and math/0309136 are the same paper; arXiv itself redirects the former).

export interface ArxivId {
  id: string;        // canonical, e.g. "2207.06389" or "hep-th/9901001"
  version?: number;  // 2 for "2207.06389v2"
}

const NEW_STYLE = /^(\d{4}\.\d{4,5})(?:v(\d+))?$/;
const OLD_STYLE = /^([a-z][a-z-]*)(?:\.[a-z]{2})?\/(\d{7})(?:v(\d+))?$/i;

/** Parses any arXiv id form (bare, versioned, `arXiv:`, abs/pdf URLs, OAI identifiers). Returns undefined for garbage. */
export function parseArxivId(input: string): ArxivId | undefined {
  let s = input.trim();
  s = s.replace(/^oai:arxiv\.org:/i, '');
  s = s.replace(/^arxiv:\s*/i, '');
  const url = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/(.+)$/i.exec(s);
  if (url) s = url[1]!;
  s = s.replace(/[?#].*$/, '').replace(/\.pdf$/i, '').replace(/\/+$/, '');
  const n = NEW_STYLE.exec(s);
  if (n) {
    const month = Number(n[1]!.slice(2, 4));
    if (month < 1 || month > 12) return undefined;
    // Five-digit numbers began in January 2015 (1501.00001); before that there were four.
    const fiveDigits = n[1]!.length === 10;
    const from2015 = Number(n[1]!.slice(0, 4)) >= 1501;
    if (fiveDigits !== from2015) return undefined;
    return withVersion(n[1]!, n[2]);
  }
  const o = OLD_STYLE.exec(s);
  if (o) {
    const month = Number(o[2]!.slice(2, 4));
    if (month < 1 || month > 12) return undefined;
    return withVersion(`${o[1]!.toLowerCase()}/${o[2]}`, o[3]);
  }
  return undefined;
}

function withVersion(id: string, version: string | undefined): ArxivId | undefined {
  if (version === undefined) return { id };
  return Number(version) >= 1 ? { id, version: Number(version) } : undefined; // versions start at v1
}

/** The canonical id, or undefined when the input is not an arXiv id. */
export function normalizeArxivId(input: string): string | undefined {
  return parseArxivId(input)?.id;
}

export function absUrl(id: string): string {
  return `https://arxiv.org/abs/${id}`;
}

export function pdfUrl(id: string): string {
  return `https://arxiv.org/pdf/${id}`;
}
