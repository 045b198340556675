/**
 * Scheme decisions on parsed URLs.
 *
 * Every "is this http or https?" question in the library goes through here,
 * so the answer is the one the WHATWG URL parser (and so the fetcher) gives:
 * `HTTP://`, `hTtPs:`, leading spaces or tabs all read the way a connection
 * would read them. A string prefix such as `startsWith('http:')` answers a
 * different question and was how an `HTTP://` endpoint slipped past the
 * plain-text association rule (issue 18, item 1).
 */

/** The two schemes OpenID messages travel over. */
export type WebScheme = 'http' | 'https';

/**
 * The scheme of an absolute http(s) URL with a host, or null for anything else
 * (unparseable, relative, another scheme).
 *
 * @example
 * webScheme('HTTP://op.example/') // 'http'
 * webScheme('javascript:alert(1)') // null
 */
export function webScheme(text: string): WebScheme | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.hostname === '') return null;
  if (url.protocol === 'http:') return 'http';
  if (url.protocol === 'https:') return 'https';
  return null;
}

/** True only for an absolute https URL (parsed, so `HTTPS://` counts and `https-evil:` does not). */
export function isHttpsUrl(text: string): boolean {
  return webScheme(text) === 'https';
}
