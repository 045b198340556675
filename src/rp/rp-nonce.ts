/**
 * The per-login nonce begin() adds to return_to (`openid2.rp_nonce`).
 *
 * It ties a response to the login state of the browser that started it: the
 * state records the return_to with this nonce, and the response must come
 * back to that same URL. Adapters also use it to pick, among several state
 * cookies, the one that belongs to this response (issue 18, item 5).
 */

/** The query parameter begin() adds to return_to. */
export const RP_NONCE_PARAM = 'openid2.rp_nonce';

/** The one `openid2.rp_nonce` a URL carries, or null (none, several, or not a URL). */
export function rpNonceOf(url: string | URL): string | null {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return null;
  }
  const quick = scanQuery(parsed.search);
  if (quick !== undefined) return quick;
  const all = parsed.searchParams.getAll(RP_NONCE_PARAM);
  return all.length === 1 ? (all[0] as string) : null;
}

/**
 * The same answer as `searchParams.getAll()` above, read off the query text
 * without decoding every other parameter (complete() asks three times per
 * login, and the response URL's query is long). Undefined when a name is
 * percent- or plus-encoded, or the nonce's value is not plain UTF-8
 * percent-encoding: then the full parser decides.
 */
function scanQuery(search: string): string | null | undefined {
  let found: string | null = null;
  let count = 0;
  let start = search.charCodeAt(0) === 63 /* ? */ ? 1 : 0;
  while (start <= search.length) {
    let end = search.indexOf('&', start);
    if (end === -1) end = search.length;
    if (end > start) {
      const eq = search.indexOf('=', start);
      const keyEnd = eq === -1 || eq > end ? end : eq;
      const key = search.slice(start, keyEnd);
      if (key.includes('%') || key.includes('+')) return undefined;
      if (key === RP_NONCE_PARAM) {
        count++;
        const raw = keyEnd === end ? '' : search.slice(keyEnd + 1, end);
        try {
          found = decodeURIComponent(raw.includes('+') ? raw.replace(/\+/g, ' ') : raw);
        } catch {
          return undefined; // malformed escapes or bytes that are not UTF-8: the lenient parser's job
        }
      }
    }
    start = end + 1;
  }
  return count === 1 ? found : null;
}

/** Both URLs carry exactly one `openid2.rp_nonce`, and it is the same. */
export function sameRpNonce(a: string, b: string): boolean {
  const x = rpNonceOf(a);
  return x !== null && x === rpNonceOf(b);
}
