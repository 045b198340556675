/**
 * One redirect hop, as both fetchers (Node's and the Web one) take it: the
 * hop limit, the Location parsed against the current URL, and credential
 * headers dropped when the hop leaves the origin.
 */
import { FetchError } from '../protocol/errors.js';

const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** What {@link nextHop} needs to know about the redirect. */
export interface RedirectHop {
  /** The URL the fetch started from (for the error message). */
  input: string;
  /** The URL that answered with the redirect. */
  url: URL;
  /** Its Location header. */
  location: string;
  /** Its status. */
  status: number;
  /** Redirects followed so far, and the most allowed. */
  hop: number;
  maxRedirects: number;
  /** The request headers, edited in place (credentials removed across origins). */
  headers: Record<string, string>;
}

/** The URL to fetch next; throws `too_many_redirects` or `fetch_invalid_url`. */
export function nextHop(r: RedirectHop): URL {
  if (r.hop >= r.maxRedirects) {
    throw new FetchError('too_many_redirects', `more than ${r.maxRedirects} redirects from ${r.input}`, {
      url: r.url.href,
      status: r.status,
    });
  }
  let next: URL;
  try {
    next = new URL(r.location, r.url);
  } catch (err) {
    throw new FetchError(
      'fetch_invalid_url',
      `bad redirect Location ${JSON.stringify(r.location)}`,
      { url: r.url.href, status: r.status },
      { cause: err },
    );
  }
  if (next.origin !== r.url.origin) for (const h of CREDENTIAL_HEADERS) delete r.headers[h];
  return next;
}
