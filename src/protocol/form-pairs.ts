/**
 * The name/value pairs of a query string or form body
 * (`application/x-www-form-urlencoded`), exactly as `URLSearchParams` reads
 * them, at a fraction of its cost: each piece is split with `indexOf` and
 * decoded with the engine's native `decodeURIComponent`, where Node's
 * `URLSearchParams` walks every character in JavaScript. A response URL
 * carries a dozen long, percent-encoded fields (return_to, signature, …), and
 * reading them was the largest single cost left in `complete()` (issue 25
 * profile). Anything the fast path cannot decode the way `URLSearchParams`
 * does (a malformed escape, bytes that are not UTF-8, a lone surrogate in the
 * text itself) is left to `URLSearchParams`.
 *
 * Internal module.
 */

/** Surrogate code units: `URLSearchParams` turns a lone one into U+FFFD before parsing. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The pairs of `text` (a leading `?` is skipped), in order, repeats kept, as
 * `[...new URLSearchParams(text)]` gives them.
 *
 * @example formPairs('?a=1&b=x%20y') // [['a', '1'], ['b', 'x y']]
 */
export function formPairs(text: string): [string, string][] {
  if (SURROGATE.test(text)) return [...new URLSearchParams(text)];
  const out: [string, string][] = [];
  let start = text.charCodeAt(0) === 63 /* ? */ ? 1 : 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      const split = eq === -1 || eq > end ? end : eq;
      const name = decode(text.slice(start, split));
      const value = split === end ? '' : decode(text.slice(split + 1, end));
      if (name === null || value === null) return [...new URLSearchParams(text)];
      out.push([name, value]);
    }
    start = end + 1;
  }
  return out;
}

/** One name or value: `+` is a space, then percent-decoding as UTF-8; null when only the lenient decoder can. */
function decode(part: string): string | null {
  const spaced = part.includes('+') ? part.replace(/\+/g, ' ') : part;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return null;
  }
}
