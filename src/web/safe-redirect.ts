// Redirect targets that come from a request (?next=, a form's "back" field) may only lead to a
// path on this site: "//evil.example", "/\evil.example", "https://evil.example" and
// "javascript:" all fall back to the default. The check is made on the path as the URL parser
// leaves it too: dot segments collapse ("/.//evil.example" becomes "//evil.example"), and a
// result that starts with "//" would leave the site when a browser follows it.

const PROBE = 'http://paperboy.invalid';

export function localPath(candidate: string | undefined, fallback = '/'): string {
  if (typeof candidate !== 'string' || !candidate.startsWith('/') || candidate.length > 2000) return fallback;
  // Browsers treat "\" as "/" and ignore tabs and newlines inside URLs: refuse them outright.
  if (/[\\\u0000-\u001f\u007f]/.test(candidate) || candidate.startsWith('//')) return fallback;
  try {
    const url = new URL(candidate, PROBE);
    if (url.origin !== PROBE) return fallback;
    const path = url.pathname + url.search + url.hash;
    return path.startsWith('//') || path.includes('\\') ? fallback : path;
  } catch {
    return fallback;
  }
}
